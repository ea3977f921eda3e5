"""DDI-Codebook 2.5 of the integrated microdata, for the secure space.

:func:`write_ddi` describes Parquet files of the secure workspace (by default
:func:`integrated_files`: ``integrated/*.parquet``, the person spine, crossings,
residence events and links, and ``harmonised/*.parquet``, the coded source extracts)
in one DDI-Codebook 2.5 document: the study (country, producer, the sources the
files came from, access restricted to the secure space), one ``fileDscr`` per file
(rows, variables) and one ``var`` per column with its label, format, valid and
missing counts, minimum and maximum for numbers, and, for coded columns with few
values, every category with its label and frequency (countries, atolls, ISCO-08,
ISIC Rev.4, sex, direction, residence status ...). Direct identifiers (names) and
pseudonymised ones are marked in ``security``; no identifier's values are listed.

The DDI-Codebook 2.5 XSD is not available offline (no PyPI, npm or Debian package
ships it), so :func:`check_ddi` checks what it can without it: well-formed XML in the
``ddi:codebook:2_5`` namespace, the required elements (``codeBook/stdyDscr/citation/
titlStmt/titl``), the order of every element the writer uses as the schema's
sequences prescribe, unique ids and ``files`` references, and variable counts. Pass
``xsd=`` (a local copy of ``codebook.xsd``) to validate against the schema as well.

>>> variable_label("citizenship_iso3")[:55]
'Citizenship as recorded. Coded to ISO 3166-1 alpha-3 (f'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from lxml import etree

from migstats.errors import MigstatsError
from migstats.publish.codes import code_label
from migstats.publish.files import write_bytes
from migstats.refdata import countries as country_ref
from migstats.sources.canonical import CANONICAL

__all__ = [
    "DDI_NAMESPACE",
    "DdiError",
    "check_ddi",
    "codebook_xml",
    "integrated_files",
    "variable_label",
    "write_ddi",
]

DDI_NAMESPACE: Final = "ddi:codebook:2_5"
_SCHEMA_LOCATION: Final = (
    "ddi:codebook:2_5 "
    "http://www.ddialliance.org/Specification/DDI-Codebook/2.5/XMLSchema/codebook.xsd"
)
_XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"

#: Child order of the DDI-C 2.5 sequences the writer uses (a subsequence must keep it).
ORDER: Final[dict[str, tuple[str, ...]]] = {
    "codeBook": ("docDscr", "stdyDscr", "fileDscr", "dataDscr", "otherMat"),
    "docDscr": ("citation", "guide", "docStatus", "docSrc", "controlledVocabUsed", "notes"),
    "stdyDscr": (
        "citation", "studyAuthorization", "stdyInfo", "studyDevelopment", "method",
        "dataAccs", "othrStdyMat", "notes",
    ),
    "citation": (
        "titlStmt", "rspStmt", "prodStmt", "distStmt", "serStmt", "verStmt", "biblCit",
        "holdings", "notes",
    ),
    "titlStmt": ("titl", "subTitl", "altTitl", "parTitl", "IDNo"),
    "rspStmt": ("AuthEnty", "othId"),
    "prodStmt": ("producer", "copyright", "prodDate", "prodPlac", "software", "fundAg", "grantNo"),
    "stdyInfo": ("studyBudget", "subject", "abstract", "sumDscr", "qualityStatement", "notes",
                 "exPostEvaluation"),
    "sumDscr": (
        "timePrd", "collDate", "nation", "geogCover", "geogUnit", "geoBndBox", "boundPoly",
        "anlyUnit", "universe", "dataKind",
    ),
    "method": ("dataColl", "notes", "anlyInfo", "stdyClas", "dataProcessing",
               "codingInstructions"),
    "dataColl": (
        "timeMeth", "dataCollector", "collectorTraining", "frequenc", "sampProc",
        "sampleFrame", "targetSampleSize", "deviat", "collMode", "resInstru",
        "instrumentDevelopment", "sources", "collSitu", "actMin", "ConOps", "weight",
        "cleanOps",
    ),
    "sources": ("dataSrc", "sourceCitation", "srcOrig", "srcChar", "srcDocu", "sources"),
    "dataAccs": ("setAvail", "useStmt", "notes"),
    "useStmt": ("confDec", "specPerm", "restrctn", "contact", "citReq", "deposReq",
                "conditions", "disclaimer"),
    "fileDscr": ("fileTxt", "locMap", "notes"),
    "fileTxt": (
        "fileName", "fileCitation", "dataFingerprint", "fileCont", "fileStrc", "dimensns",
        "fileType", "format", "filePlac", "dataChck", "ProcStat", "dataMsng", "software",
        "verStmt",
    ),
    "dimensns": ("caseQnty", "varQnty", "logRecL", "recPrRec", "recNumTot"),
    "dataDscr": ("varGrp", "nCubeGrp", "var", "nCube", "notes"),
    "var": (
        "location", "labl", "imputation", "security", "embargo", "respUnit", "anlysUnit",
        "qstn", "valrng", "invalrng", "undocCod", "universe", "TotlResp", "sumStat", "txt",
        "stdCatgry", "catgryGrp", "catgry", "codInstr", "verStmt", "concept", "derivation",
        "varFormat", "geomap", "catLevel", "notes",
    ),
    "catgry": ("catValu", "labl", "txt", "catStat", "mrow"),
}  # fmt: skip

_NAMES: Final = frozenset(
    {"surname", "given_names", "full_name", "holder_name", "worker_name", "employer_name"}
)
_EXTRA: Final = {
    "_record": "Row number of the record in the delivered file",
    "_source": "Source extract the record came from",
    "_snapshot": "Landing snapshot (immutable copy of the delivery) the record came from",
    "person_key": "Pseudonymous person identifier of the person spine",
    "person_id": "Pseudonymous person identifier of the person spine",
    "traveller_id": "Pseudonymous traveller (travel document and nationality)",
    "travellers": "Number of travellers (documents) linked into the person",
    "crossing_date": "Date of the border crossing",
    "crossing_timestamp": "Date and time of the border crossing",
    "citizenship": "Citizenship (ISO alpha-3), the value most crossings recorded",
    "initial_status": "Residence status before the person's first crossing",
    "initial_status_source": "Source of the initial residence status",
    "res_status_before": "Residence status just before the crossing (12/16-month rule)",
    "res_status_after": "Residence status just after the crossing (12/16-month rule)",
    "is_long_term_migration": "Whether the crossing is a long-term migration",
    "date_final": "Date from which later data can no longer change the status",
    "repair": "Repair of a data error at this crossing (imputed record, duplicate)",
    "match_weight": "Linkage match weight (Fellegi-Sunter, log2 Bayes factor)",
    "match_probability": "Linkage match probability",
    "link_rule": "Rule by which the record was linked to the person",
    "purpose": "Purpose of stay coded from the visa or permit type",
}
_SUFFIXES: Final = (
    ("_iso3", "Coded to ISO 3166-1 alpha-3 (flagged non-M49 codes XKX, TWN, XXA, XXB, XXC, XXX)"),
    ("_m49", "Coded to UN M49 numeric (empty for flagged non-M49 codes)"),
    ("_is_m49", "Whether the code is a UN M49 area"),
    ("_method", "How the value was coded (exact, rule, review, missing, uncoded)"),
    ("_confidence", "Confidence of the coding (0-1)"),
    ("_conflict", "Whether the person's records disagree on this attribute"),
    ("_isco", "Coded to ISCO-08 (unit group)"),
    ("_isic", "Coded to ISIC Rev.4 (class)"),
    ("_section", "ISIC Rev.4 section"),
    ("_atoll_code", "Atoll (letter code)"),
    ("_code", "Island code"),
)
_LABELLED: Final = {
    "_iso3": "CITIZENSHIP",
    "atoll_code": "ATOLL",
    "_isco": "OCCUPATION",
    "_isic": "INDUSTRY",
    "_section": "INDUSTRY",
}
_VALUE_LABELS: Final = {
    "sex": {"M": "Male", "F": "Female"},
    "direction": {"ARR": "Arrival", "DEP": "Departure"},
}


class DdiError(MigstatsError):
    """A DDI-Codebook document does not meet the checks of :func:`check_ddi`."""


@cache
def _canonical() -> dict[str, tuple[str, bool]]:
    out: dict[str, tuple[str, bool]] = {}
    for columns in CANONICAL.values():
        for column in columns:
            out.setdefault(column.name, (column.description.rstrip("."), column.identifier))
    return out


def variable_label(name: str) -> str:
    """A label for a column of the integrated or harmonised files.

    >>> variable_label("crossing_date")
    'Date of the border crossing'
    """
    if name in _EXTRA:
        return _EXTRA[name]
    if name in _canonical():
        return _canonical()[name][0]
    for suffix, text in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            stem = _canonical().get(base, (base.replace("_", " ").capitalize(), False))[0]
            return f"{stem}. {text}"
    return name.replace("_", " ").capitalize()


def _security(name: str) -> str | None:
    if name in _NAMES:
        return "Direct identifier (name): secure space only, never published"
    if _canonical().get(name, ("", False))[1] or name in (
        "person_key",
        "person_id",
        "traveller_id",
    ):
        return "Pseudonymised identifier (keyed hash): secure space only"
    return None


def _value_label(name: str, value: str) -> str | None:
    if name in _VALUE_LABELS:
        return _VALUE_LABELS[name].get(value)
    for key, dimension in _LABELLED.items():
        if name.endswith(key):
            label = code_label(dimension, value)
            return None if label == value.replace("_", " ").capitalize() else label
    return None


def integrated_files(workspace: Path) -> dict[str, Path]:
    """The Parquet files of ``integrated/`` and ``harmonised/``, by relative name."""
    out = {}
    for zone in ("integrated", "harmonised"):
        for path in sorted((workspace / zone).glob("*.parquet")):
            out[f"{zone}/{path.name}"] = path
    return out


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # numeric, character, date, boolean
    valid: int
    missing: int
    minimum: Any
    maximum: Any
    categories: tuple[tuple[str, int], ...]


def _kind(data_type: pa.DataType) -> str:
    if pa.types.is_dictionary(data_type):
        return _kind(data_type.value_type)
    if pa.types.is_boolean(data_type):
        return "boolean"
    if (
        pa.types.is_integer(data_type)
        or pa.types.is_floating(data_type)
        or pa.types.is_decimal(data_type)
    ):
        return "numeric"
    if pa.types.is_date(data_type) or pa.types.is_timestamp(data_type):
        return "date"
    return "character"


def _profile(path: Path, max_categories: int) -> tuple[int, list[_Column]]:
    schema = pq.read_schema(path)
    con = duckdb.connect()
    try:
        source = f"read_parquet('{path.as_posix()}')"
        parts = ["count(*)"]
        for name in schema.names:
            q = '"' + name.replace('"', '""') + '"'
            parts += [f"count({q})", f"approx_count_distinct({q})"]
            kind = _kind(schema.field(name).type)
            if kind in ("numeric", "date"):
                parts += [f"min({q})::varchar", f"max({q})::varchar"]
            else:
                parts += ["null", "null"]
        stats = con.execute(f"select {', '.join(parts)} from {source}").fetchall()[0]
        rows = int(stats[0])
        columns = []
        for i, name in enumerate(schema.names):
            valid, distinct, low, high = stats[1 + 4 * i : 5 + 4 * i]
            kind = _kind(schema.field(name).type)
            limit = 300 if name.endswith("_iso3") or name.endswith("_m49") else max_categories
            categories: tuple[tuple[str, int], ...] = ()
            if (
                kind in ("character", "boolean")
                and _security(name) is None
                and int(distinct) <= limit * 1.1
            ):
                q = '"' + name.replace('"', '""') + '"'
                counts = con.sql(
                    f"select {q}::varchar, count(*) from {source} where {q} is not null"
                    f" group by 1 order by 1"
                ).fetchall()
                if len(counts) <= limit:
                    categories = tuple((str(v), int(n)) for v, n in counts)
            columns.append(
                _Column(name, kind, int(valid), rows - int(valid), low, high, categories)
            )
        return rows, columns
    finally:
        con.close()


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, f"{{{DDI_NAMESPACE}}}{tag}", **attrs)
    if text is not None:
        element.text = text
    return element


def codebook_xml(
    files: Mapping[str, Path],
    *,
    title: str,
    prepared: date,
    country: str = "MDV",
    producer: str = "Maldives Bureau of Statistics",
    sources: Mapping[str, str] | None = None,
    max_categories: int = 40,
) -> bytes:
    """The DDI-Codebook 2.5 document of ``files`` (name -> Parquet path), as bytes.

    ``sources`` describes the agencies' extracts (name -> description); by default the
    distinct ``_source`` values of the files.
    """
    profiles = {name: _profile(path, max_categories) for name, path in sorted(files.items())}
    if sources is None:
        found: set[str] = set()
        for path in files.values():
            if "_source" in pq.read_schema(path).names:
                con = duckdb.connect()
                values = con.sql(
                    f"select distinct _source from read_parquet('{path.as_posix()}')"
                    " where _source is not null"
                ).fetchall()
                con.close()
                found |= {str(v[0]) for v in values}
        sources = {s: f"Agency extract {s}, as landed, validated and harmonised" for s in found}
    nation = country_ref.by_iso3(country)
    day = prepared.isoformat()
    ident = f"MIGSTATS-{country}-INTEGRATED-{day}"
    root = etree.Element(
        f"{{{DDI_NAMESPACE}}}codeBook",
        nsmap={None: DDI_NAMESPACE, "xsi": _XSI},
        version="2.5",
        ID=re.sub(r"[^A-Za-z0-9_.-]", "-", ident),
    )
    root.set(f"{{{_XSI}}}schemaLocation", _SCHEMA_LOCATION)
    root.set(_XML_LANG, "en")

    doc = _sub(_sub(root, "docDscr"), "citation")
    _sub(_sub(doc, "titlStmt"), "titl", f"Codebook: {title}")
    doc_prod = _sub(doc, "prodStmt")
    _sub(doc_prod, "producer", "migstats")
    _sub(doc_prod, "prodDate", day, date=day)

    study = _sub(root, "stdyDscr")
    citation = _sub(study, "citation")
    titles = _sub(citation, "titlStmt")
    _sub(titles, "titl", title)
    _sub(titles, "IDNo", ident, agency=producer)
    _sub(_sub(citation, "rspStmt"), "AuthEnty", producer)
    _sub(_sub(citation, "prodStmt"), "prodDate", day, date=day)
    info = _sub(study, "stdyInfo")
    _sub(
        info,
        "abstract",
        "Integrated administrative microdata on international migration: border crossings "
        "linked into persons (person spine), visas, permits and work permits, the census "
        "and the population register, with the residence status of every crossing under "
        "the outcomes-based 12/16-month rule. Identifiers are pseudonymised.",
    )
    summary = _sub(info, "sumDscr")
    _sub(summary, "nation", nation.name, abbr=country)
    _sub(summary, "anlyUnit", "Persons, border crossings, permits and census records")
    _sub(summary, "universe", "Everyone recorded by the sources, citizens and foreigners")
    _sub(summary, "dataKind", "Administrative records")
    collection = _sub(_sub(study, "method"), "dataColl")
    source_list = _sub(collection, "sources")
    for name, text in sorted(sources.items()):
        _sub(source_list, "dataSrc", f"{name}: {text}")
    use = _sub(_sub(study, "dataAccs"), "useStmt")
    _sub(
        use,
        "restrctn",
        "Secure space only. Unprotected microdata: never published, analysed only by "
        "authorised staff; published tables pass disclosure control.",
    )

    variable_no = 0
    var_elements = []
    for number, (name, (rows, columns)) in enumerate(profiles.items(), start=1):
        file_id = f"F{number}"
        text = _sub(_sub(root, "fileDscr", ID=file_id, URI=name), "fileTxt")
        _sub(text, "fileName", name)
        _sub(text, "fileCont", f"{len(columns)} variables, {rows} records")
        dims = _sub(text, "dimensns")
        _sub(dims, "caseQnty", str(rows))
        _sub(dims, "varQnty", str(len(columns)))
        _sub(text, "fileType", "Apache Parquet")
        for column in columns:
            variable_no += 1
            var_elements.append((file_id, variable_no, column))
    data = _sub(root, "dataDscr")
    for file_id, variable_no, column in var_elements:
        var = _sub(
            data,
            "var",
            ID=f"V{variable_no}",
            name=column.name,
            files=file_id,
            intrvl="contin" if column.kind == "numeric" else "discrete",
        )
        _sub(var, "labl", variable_label(column.name))
        security = _security(column.name)
        if security:
            _sub(var, "security", security)
        _sub(var, "sumStat", str(column.valid), type="vald")
        _sub(var, "sumStat", str(column.missing), type="invd")
        if column.kind == "numeric" and column.minimum is not None:
            _sub(var, "sumStat", str(column.minimum), type="min")
            _sub(var, "sumStat", str(column.maximum), type="max")
        if column.kind == "date" and column.minimum is not None:
            _sub(var, "txt", f"From {column.minimum} to {column.maximum}")
        for value, count in column.categories:
            category = _sub(var, "catgry")
            _sub(category, "catValu", value)
            label = _value_label(column.name, value)
            if label:
                _sub(category, "labl", label)
            _sub(category, "catStat", str(count), type="freq")
        if column.kind == "numeric":
            _sub(var, "varFormat", type="numeric", schema="other")
        elif column.kind == "date":
            _sub(
                var,
                "varFormat",
                type="character",
                schema="other",
                category="date",
                formatname="YYYY-MM-DD",
            )
        else:
            _sub(var, "varFormat", type="character", schema="other")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def write_ddi(
    files: Mapping[str, Path] | Path,
    out: Path,
    *,
    prepared: date,
    country: str = "MDV",
    title: str | None = None,
    producer: str = "Maldives Bureau of Statistics",
    sources: Mapping[str, str] | None = None,
) -> Path:
    """Write the DDI-Codebook 2.5 document of the integrated microdata to ``out``.

    ``files`` maps names to Parquet files, or is a workspace folder (then
    :func:`integrated_files`). The document is checked with :func:`check_ddi` before
    it is written (atomically).

    >>> import tempfile, pyarrow as pa, pyarrow.parquet as pq
    >>> folder = Path(tempfile.mkdtemp())
    >>> pq.write_table(pa.table({"person_key": ["P1", "P2"], "sex": ["M", "F"]}),
    ...                folder / "person.parquet")
    >>> path = write_ddi({"integrated/person.parquet": folder / "person.parquet"},
    ...                  folder / "codebook.xml", prepared=date(2025, 3, 1))
    >>> check_ddi(path)
    ['person_key', 'sex']
    """
    if isinstance(files, Path):
        files = integrated_files(files)
    if not files:
        raise DdiError(
            "No microdata to describe",
            "no Parquet files were given or found",
            "pass the workspace or a mapping of names to Parquet files",
        )
    name = country_ref.by_iso3(country).name
    document = codebook_xml(
        files,
        title=title or f"Integrated migration microdata, {name}",
        prepared=prepared,
        country=country,
        producer=producer,
        sources=sources,
    )
    _check(etree.fromstring(document), None)
    return write_bytes(out, document)


def _local(element: Any) -> str:
    return str(etree.QName(element).localname)


def _check_order(element: Any, problems: list[str]) -> None:
    tag = _local(element)
    order = ORDER.get(tag)
    if order is not None:
        position = 0
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = _local(child)
            if name not in order:
                problems.append(f"<{name}> is not allowed in <{tag}> (line {child.sourceline})")
                continue
            index = order.index(name)
            if index < position:
                problems.append(f"<{name}> is out of order in <{tag}> (line {child.sourceline})")
            position = max(position, index)
    for child in element:
        if isinstance(child.tag, str):
            _check_order(child, problems)


def _check(root: Any, xsd: Path | None) -> list[str]:
    problems: list[str] = []
    if root.tag != f"{{{DDI_NAMESPACE}}}codeBook":
        problems.append(f"root element is {root.tag}, not codeBook in {DDI_NAMESPACE}")
    if root.get("version") != "2.5":
        problems.append("codeBook has no version='2.5'")
    ns = {"d": DDI_NAMESPACE}
    titles = root.xpath("d:stdyDscr/d:citation/d:titlStmt/d:titl/text()", namespaces=ns)
    if not titles or not str(titles[0]).strip():
        problems.append("stdyDscr/citation/titlStmt/titl (required) is missing or empty")
    _check_order(root, problems)
    file_ids = [f.get("ID") for f in root.xpath("d:fileDscr", namespaces=ns)]
    variables = root.xpath("d:dataDscr/d:var", namespaces=ns)
    ids = [v.get("ID") for v in variables]
    if len(set(ids)) != len(ids) or len(set(file_ids)) != len(file_ids):
        problems.append("duplicate ID attributes")
    names = []
    for var in variables:
        if not var.get("name") or not var.get("ID"):
            problems.append(f"var without name or ID (line {var.sourceline})")
        for ref in (var.get("files") or "").split():
            if ref not in file_ids:
                problems.append(f"var {var.get('name')} refers to unknown file {ref}")
        names.append(str(var.get("name")))
    for file_element in root.xpath("d:fileDscr", namespaces=ns):
        declared = file_element.xpath("d:fileTxt/d:dimensns/d:varQnty/text()", namespaces=ns)
        actual = sum(1 for v in variables if v.get("files") == file_element.get("ID"))
        if declared and int(declared[0]) != actual:
            problems.append(
                f"file {file_element.get('ID')} declares {declared[0]} variables, has {actual}"
            )
    if xsd is not None:
        schema = etree.XMLSchema(etree.parse(str(xsd)))
        if not schema.validate(etree.ElementTree(root)):
            problems += [f"line {e.line}: {e.message}" for e in schema.error_log]
    if problems:
        raise DdiError("Invalid DDI-Codebook 2.5", "; ".join(problems[:5]), "fix the writer")
    return names


def check_ddi(path: Path, xsd: Path | None = None) -> list[str]:
    """Check a DDI-Codebook 2.5 file (module docstring); returns the variable names.

    Raises :class:`DdiError` listing the first problems.
    """
    try:
        root = etree.parse(str(path)).getroot()
    except etree.XMLSyntaxError as exc:
        raise DdiError(
            "Invalid DDI-Codebook 2.5", f"not well-formed XML: {exc}", "fix the writer"
        ) from exc
    return _check(root, xsd)
