"""SDMX: structures (concepts, code lists, one DSD and dataflow per table) and data.

Written with pysdmx's writers:

- ``structure.xml`` (SDMX-ML 2.1) and ``structure-3.0.xml`` (SDMX-ML 3.0): the concept
  scheme ``CS_MIGRATION``, every code list of the release (:mod:`.codes`; ``CL_AREA``
  in UN M49 with the flagged non-M49 codes, ``CL_OBS_STATUS`` and ``CL_CONF_STATUS`` as
  in SDMX, ``CL_UNIT_MEASURE`` from the tables' units), and per table a data structure
  ``DSD_MIG_<id>`` and dataflow ``DF_MIG_<id>`` (table ``1.4N`` -> ``DF_MIG_1_4N``);
- per table ``data/<id>.xml`` (SDMX-ML 2.1 structure-specific), ``data-3.0/<id>.xml``
  (SDMX-ML 3.0) and ``csv/<id>.csv`` (SDMX-CSV 2.0), all keyed by every dimension
  (``dimensionAtObservation="AllDimensions"``).

Every DSD starts with ``REF_AREA`` (the country's M49 code, 462 for the Maldives),
then the table's dimensions, with ``TIME_PERIOD`` (if any) as the time dimension.
Country dimensions are converted from ISO alpha-3 to M49 (:func:`.codes.publish_code`);
a time range ``2022-09-02/2023-09-01`` (end day included) becomes the SDMX form
``2022-09-02/P1Y`` (:func:`sdmx_period`). The measure is ``OBS_VALUE``; observation
attributes ``OBS_STATUS``, ``CONF_STATUS`` and ``UNIT_MEASURE`` (mandatory) and
``LOWER``/``UPPER`` (conditional). Suppressed cells are observations without a value,
with their ``CONF_STATUS``.

The maintenance agency is ``MV_MBS`` for the Maldives Bureau of Statistics
(:data:`AGENCIES`; other countries default to ``<ISO alpha-2>_NSO``).

>>> sdmx_id("1.4N"), agency_for("MDV")
('1_4N', 'MV_MBS')
>>> sdmx_period("t", "2022-09-02/2023-09-01"), sdmx_period("t", "2024-03")
('2022-09-02/P1Y', '2024-03')
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from migstats.errors import MissingExtraError
from migstats.publish.codes import (
    CodeList,
    codelist_id,
    country_m49,
    publish_code,
)
from migstats.publish.files import write_text
from migstats.publish.tables import (
    CONF_STATUS_CODES,
    OBS_STATUS_CODES,
    PublishedTable,
    PublishError,
)
from migstats.refdata import countries as country_ref

__all__ = [
    "AGENCIES",
    "CONCEPT_SCHEME",
    "SdmxStructures",
    "agency_for",
    "build_structures",
    "observations",
    "sdmx_id",
    "sdmx_period",
    "unit_code",
    "write_sdmx",
]

#: SDMX maintenance agency of each country's statistical office.
AGENCIES: Final = {"MDV": "MV_MBS"}
CONCEPT_SCHEME: Final = "CS_MIGRATION"
VERSION: Final = "1.0"

_CONCEPTS: Final = {
    "REF_AREA": "Reference area",
    "TIME_PERIOD": "Time period",
    "REF_DATE": "Reference date",
    "OBS_VALUE": "Observation value",
    "OBS_STATUS": "Observation status",
    "CONF_STATUS": "Confidentiality status",
    "UNIT_MEASURE": "Unit of measure",
    "LOWER": "Lower bound of the interval",
    "UPPER": "Upper bound of the interval",
    "SEX": "Sex",
    "AGE": "Age",
    "CITIZENSHIP": "Country of citizenship",
    "COUNTRY_OF_BIRTH": "Country of birth",
    "MIGRATORY_STATUS": "Migratory status",
    "ATOLL": "Atoll of residence",
    "DURATION": "Duration of residence",
    "OCCUPATION": "Occupation (ISCO-08)",
    "INDUSTRY": "Industry (ISIC Rev.4)",
    "MEASURE": "Measure",
    "REASON": "Reason for migration (permit type)",
    "CITIZEN": "Citizen of the reporting country",
    "FREQ": "Frequency",
}
_BASIC_PERIOD: Final = re.compile(
    r"\d{4}(-\d{2}(-\d{2})?)?|\d{4}-(A1|S[12]|T[1-3]|Q[1-4]|M(0[1-9]|1[0-2])|W\d{2}|D\d{3})"
)
_RANGE: Final = re.compile(r"(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})")
_SDMX_RANGE: Final = re.compile(r"\d{4}-\d{2}-\d{2}(T[\d:]+)?/P[0-9YMWDTHS.]+")


def sdmx_id(table_id: str) -> str:
    """The table id as an SDMX id fragment (letters, digits and ``_``)."""
    return re.sub(r"[^A-Za-z0-9]", "_", table_id)


def agency_for(country: str) -> str:
    """The SDMX agency id of the country's statistical office.

    >>> agency_for("LKA")
    'LK_NSO'
    """
    return AGENCIES.get(country) or f"{country_ref.by_iso3(country).iso2}_NSO"


def sdmx_period(table_id: str, value: str) -> str:
    """A ``TIME_PERIOD`` value in SDMX form; ``start/end`` dates become ``start/P..``.

    The end day of a ``start/end`` range is taken as included (a year ended on the
    cut-off day): whole years become ``P<n>Y``, anything else ``P<days>D``.

    >>> sdmx_period("x", "2023-01-02/2024-01-01"), sdmx_period("x", "2024-01-01/2024-01-10")
    ('2023-01-02/P1Y', '2024-01-01/P10D')
    """
    if _BASIC_PERIOD.fullmatch(value) or _SDMX_RANGE.fullmatch(value):
        return value
    if m := _RANGE.fullmatch(value):
        start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        after = end + timedelta(days=1)
        years = after.year - start.year
        if years > 0 and (after.month, after.day) == (start.month, start.day):
            return f"{m[1]}/P{years}Y"
        if after > start:
            return f"{m[1]}/P{(after - start).days}D"
    raise PublishError(
        f"Table {table_id} has a time period SDMX cannot carry",
        f"TIME_PERIOD {value!r} is neither an SDMX period (2024, 2024-03, 2024-Q1, "
        "2024-03-31) nor a range start/end",
        "recode TIME_PERIOD",
    )


def unit_code(unit: str) -> str:
    """The ``CL_UNIT_MEASURE`` code of a unit text.

    >>> unit_code("persons"), unit_code("ratio (female rate / male rate; 1 = parity)")
    ('PERSONS', 'RATIO')
    """
    head = re.split(r"[(;,]", unit, maxsplit=1)[0]
    code = re.sub(r"[^A-Za-z0-9]+", "_", head).strip("_").upper()
    return code or "UNKNOWN"


@dataclass(frozen=True)
class SdmxStructures:
    """The structural metadata of a release, as pysdmx objects."""

    agency: str
    #: Every maintainable artefact, in the order written.
    artefacts: tuple[Any, ...]
    #: pysdmx DataStructureDefinition per table id.
    dsds: dict[str, Any]
    #: pysdmx Dataflow per table id.
    dataflows: dict[str, Any]


def _pysdmx() -> Any:
    try:
        import pysdmx.io.xml  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError("SDMX-ML output", "publish", "pysdmx[xml]") from exc
    import pysdmx.model as model

    return model


def _codelist(model: Any, agency: str, cl: CodeList) -> Any:
    return model.Codelist(
        id=cl.id,
        name=cl.name,
        description=cl.description or None,
        agency=agency,
        version=cl.version,
        items=[
            model.Code(id=i.id, name=i.name, description=i.description or None) for i in cl.items
        ],
    )


def _fixed_codelists(tables: Sequence[PublishedTable]) -> list[CodeList]:
    from migstats.publish.codes import CodeItem

    units = sorted(
        {unit_code(t.unit_of(r)): t.unit_of(r) for t in tables for r in t.rows()}.items()
    )
    return [
        CodeList(
            "CL_OBS_STATUS",
            "Observation status",
            tuple(CodeItem(k, v) for k, v in OBS_STATUS_CODES.items()),
            "Codes of SDMX CL_OBS_STATUS 2.2",
        ),
        CodeList(
            "CL_CONF_STATUS",
            "Confidentiality status",
            tuple(CodeItem(k, v) for k, v in CONF_STATUS_CODES.items()),
            "Codes of SDMX CL_CONF_STATUS 1.3",
        ),
        CodeList(
            "CL_UNIT_MEASURE",
            "Unit of measure",
            tuple(CodeItem(k, v) for k, v in units),
            "Units of the release's tables",
        ),
    ]


def _concept_name(concept: str) -> str:
    return _CONCEPTS.get(concept) or concept.replace("_", " ").capitalize()


def build_structures(
    tables: Sequence[PublishedTable], codelists: dict[str, CodeList], *, agency: str
) -> SdmxStructures:
    """Concept scheme, code lists, and one DSD + dataflow per table (module docstring)."""
    model = _pysdmx()
    from pysdmx.model.__base import DataType, ItemReference
    from pysdmx.model.dataflow import Role

    all_codelists = {**codelists, **{c.id: c for c in _fixed_codelists(tables)}}
    sdmx_codelists = {k: _codelist(model, agency, v) for k, v in sorted(all_codelists.items())}
    concept_ids: list[str] = ["REF_AREA"]
    for table in tables:
        concept_ids += [d for d in table.dimensions if d not in concept_ids]
    concept_ids += ["OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "LOWER", "UPPER"]
    concept_ids = list(dict.fromkeys(concept_ids))
    scheme = model.ConceptScheme(
        id=CONCEPT_SCHEME,
        name="Concepts of international migration statistics",
        agency=agency,
        version=VERSION,
        items=[model.Concept(id=c, name=_concept_name(c)) for c in concept_ids],
    )

    def component(
        cid: str, role: Any, *, codes: str | None = None, dtype: Any = None, required: bool = True
    ) -> Any:
        return model.Component(
            id=cid,
            required=required,
            role=role,
            concept=ItemReference(
                sdmx_type="Concept", agency=agency, id=CONCEPT_SCHEME, version=VERSION, item_id=cid
            ),
            local_codes=sdmx_codelists[codes] if codes else None,
            local_dtype=dtype,
            attachment_level="O" if role == Role.ATTRIBUTE else None,
        )

    dsds, flows = {}, {}
    for table in tables:
        dims = [d for d in table.dimensions if d not in ("REF_AREA", "TIME_PERIOD")]
        parts = [component("REF_AREA", Role.DIMENSION, codes="CL_AREA")]
        parts += [component(d, Role.DIMENSION, codes=codelist_id(d)) for d in dims]
        if "TIME_PERIOD" in table.dimensions:
            parts.append(component("TIME_PERIOD", Role.DIMENSION, dtype=DataType.PERIOD))
        parts.append(component("OBS_VALUE", Role.MEASURE, dtype=DataType.DOUBLE, required=False))
        parts += [
            component("OBS_STATUS", Role.ATTRIBUTE, codes="CL_OBS_STATUS"),
            component("CONF_STATUS", Role.ATTRIBUTE, codes="CL_CONF_STATUS"),
            component("UNIT_MEASURE", Role.ATTRIBUTE, codes="CL_UNIT_MEASURE"),
        ]
        for bound in ("LOWER", "UPPER"):
            if bound in table.columns:
                parts.append(
                    component(bound, Role.ATTRIBUTE, dtype=DataType.DOUBLE, required=False)
                )
        key = sdmx_id(table.table_id)
        definition = table.table.metadata.get("definition")
        dsd = model.DataStructureDefinition(
            id=f"DSD_MIG_{key}",
            name=table.table.title,
            description=definition if isinstance(definition, str) else None,
            agency=agency,
            version=VERSION,
            components=model.Components(parts),
        )
        dsds[table.table_id] = dsd
        flows[table.table_id] = model.Dataflow(
            id=f"DF_MIG_{key}",
            name=f"{table.table_id} {table.table.title}",
            agency=agency,
            version=VERSION,
            structure=dsd.short_urn,
        )
    artefacts = (
        scheme,
        *sdmx_codelists.values(),
        *dsds.values(),
        *flows.values(),
    )
    return SdmxStructures(agency, artefacts, dsds, flows)


def observations(table: PublishedTable, country: str) -> list[dict[str, Any]]:
    """The table's cells in SDMX codes: ``REF_AREA`` added, countries in M49, SDMX time
    periods, ``UNIT_MEASURE``; one dictionary per cell, in the table's order."""
    area = country_m49(country)
    out = []
    for row in table.rows():
        cell: dict[str, Any] = {"REF_AREA": area}
        for dimension in table.dimensions:
            code = str(row[dimension])
            if dimension == "TIME_PERIOD":
                cell[dimension] = sdmx_period(table.table_id, code)
            else:
                cell[dimension] = publish_code(table.table_id, dimension, code)
        cell["OBS_VALUE"] = row["OBS_VALUE"]
        cell["OBS_STATUS"] = row["OBS_STATUS"]
        cell["CONF_STATUS"] = row["CONF_STATUS"]
        cell["UNIT_MEASURE"] = unit_code(table.unit_of(row))
        for bound in ("LOWER", "UPPER"):
            if bound in row:
                cell[bound] = row[bound]
        out.append(cell)
    return out


def _header(model: Any, agency: str, message_id: str, prepared: date) -> Any:
    from pysdmx.model.message import Header

    return Header(
        id=re.sub(r"[^A-Za-z0-9_-]", "_", message_id),
        prepared=datetime(prepared.year, prepared.month, prepared.day, tzinfo=UTC),
        sender=model.Organisation(id=agency),
    )


def serialise(objects: Sequence[Any], fmt: Any, header: Any = None) -> str:
    """pysdmx's ``write_sdmx`` to a string (with the dataset attribute fixes for XML data)."""
    from pysdmx.io import write_sdmx as pysdmx_write

    text = pysdmx_write(list(objects), fmt, **({"header": header} if header is not None else {}))
    if text is None:  # pragma: no cover - pysdmx returns None only when given a path
        raise RuntimeError("pysdmx wrote no text")
    return _fix_dataset_attributes(text) if "<mes:DataSet " in text else text


def _fix_dataset_attributes(text: str) -> str:
    """pysdmx 1.21 writes ``action`` unqualified and, in 2.1, ``ss:dataScope`` as the
    structure id; the SDMX-ML schemas want ``ss:action`` and a DataScopeType value
    (``Dataflow``: the messages reference the dataflow)."""
    text = re.sub(r'(<mes:DataSet [^>]*?) action="', r'\1 ss:action="', text, count=1)
    return re.sub(r'ss:dataScope="[^"]*"', 'ss:dataScope="Dataflow"', text, count=1)


def write_sdmx(
    tables: Sequence[PublishedTable],
    codelists: dict[str, CodeList],
    folder: Path,
    *,
    country: str,
    agency: str,
    release: str,
    prepared: date,
) -> list[Path]:
    """Write the structure messages and every table's data (module docstring)."""
    model = _pysdmx()
    pd = importlib.import_module("pandas")
    from pysdmx.io.format import Format
    from pysdmx.io.pd import PandasDataset
    from pysdmx.model.dataflow import Schema

    structures = build_structures(tables, codelists, agency=agency)
    written = []
    for fmt, name in (
        (Format.STRUCTURE_SDMX_ML_2_1, "structure.xml"),
        (Format.STRUCTURE_SDMX_ML_3_0, "structure-3.0.xml"),
    ):
        header = _header(model, agency, f"MIGSTATS_{release}_STRUCTURE", prepared)
        text = serialise(structures.artefacts, fmt, header)
        written.append(write_text(folder / name, text))
    for table in tables:
        dsd = structures.dsds[table.table_id]
        flow = structures.dataflows[table.table_id]
        schema = Schema(
            context="dataflow",
            agency=agency,
            id=flow.id,
            version=VERSION,
            components=dsd.components,
            generated=datetime(prepared.year, prepared.month, prepared.day, tzinfo=UTC),
        )
        columns = [c.id for c in dsd.components]
        cells = observations(table, country)
        frame = pd.DataFrame(cells, columns=columns)
        for numeric in ("OBS_VALUE", "LOWER", "UPPER"):
            if numeric in frame:
                frame[numeric] = frame[numeric].astype("float64")
        for fmt, sub, suffix in (
            (Format.DATA_SDMX_ML_2_1_STR, "data", "xml"),
            (Format.DATA_SDMX_ML_3_0, "data-3.0", "xml"),
            (Format.DATA_SDMX_CSV_2_0_0, "csv", "csv"),
        ):
            dataset = PandasDataset(structure=schema, data=frame.copy())
            if suffix == "xml":
                header = _header(model, agency, f"MIGSTATS_{release}_{flow.id}", prepared)
                text = serialise([dataset], fmt, header)
            else:
                text = serialise([dataset], fmt)
            written.append(write_text(folder / sub / f"{table.table_id}.{suffix}", text))
    return written
