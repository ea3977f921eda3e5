"""SDG exports of tables 7.x: the SDG SDMX shape and Open SDG CSV files.

**Migratory status.** The SDG global SDMX structure has no migratory-status dimension;
it codes it in ``COMPOSITE_BREAKDOWN`` (see :data:`migstats.stats.sdg.COMPOSITE_BREAKDOWN`):

========================  ==========================================  ====================
our code                  meaning (birth x citizenship groups)         COMPOSITE_BREAKDOWN
========================  ==========================================  ====================
``FB``                    foreign-born = ``FB_CIT`` + ``FB_FOR``       ``MS_MIGRANT``
``NB``                    native-born = ``NB_CIT`` + ``NB_FOR``        ``MS_NOMIGRANT``
``_T``                    everybody                                   ``_Z`` (no breakdown)
``NB_CIT`` ... ``FB_FOR``, ``_U``  the four groups, unknown            not in the SDG shape
========================  ==========================================  ====================

The SDG definition of a migrant is by country of birth, so only the birth aggregates
go to ``COMPOSITE_BREAKDOWN``; the four groups stay in the national outputs (the
release's own SDMX dataflows, CSV, Excel) and in the Open SDG files.

**Series** (:data:`SDG_SERIES`): 7.1 ``UNEMPLOYMENT_RATE`` -> SDG 8.5.2
``SL_TLF_UEM``; 7.2 ``NEET_RATE`` -> 8.6.1 ``SL_TLF_NEET``; 7.3 ``GPI`` (gender
parity index of the school attendance rate) -> a *national* series of 4.5.1 in Open
SDG only (there is no SDG global series of school attendance).

**SDMX shape.** ``sdmx/sdg/structure.xml`` holds a DSD ``DSD_SDG_MIGRATORY_STATUS``
with the SDG global DSD's dimension ids and codes (``FREQ``, ``REPORTING_TYPE``,
``SERIES``, ``REF_AREA`` in M49, ``SEX``, ``AGE``, ``COMPOSITE_BREAKDOWN``,
``TIME_PERIOD``; attributes ``OBS_STATUS``, ``UNIT_MEASURE``, ``NATURE``), maintained
by the national agency because the official structure cannot be fetched offline; data
in ``data.xml`` (SDMX-ML 2.1) and ``data.csv`` (SDMX-CSV 2.0).

**Open SDG.** ``opensdg/indicator_8-5-2.csv`` etc. in Open SDG's data format:
``Year``, ``Series``, ``Units``, one column per disaggregation (``Sex``, ``Age``,
``Migratory status``) and ``Value``; headline rows have every disaggregation empty
(totals, and the indicator's whole age range). Columns that are empty in every row
are left out. Cells without a value (suppressed or missing) cannot be shown by Open
SDG and are left out; their number is in the release manifest.

>>> [s.series for s in SDG_SERIES if s.global_series]
['SL_TLF_UEM', 'SL_TLF_NEET']
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from migstats.publish.codes import CodeItem, CodeList, build_codelists, code_label, country_m49
from migstats.publish.files import write_text
from migstats.publish.tables import OBS_STATUS_CODES, PublishedTable
from migstats.stats.cube import TOTAL
from migstats.stats.sdg import COMPOSITE_BREAKDOWN

__all__ = [
    "SDG_SERIES",
    "SdgObservation",
    "SdgSeries",
    "build_sdg_structures",
    "sdg_observations",
    "write_opensdg",
    "write_sdg_sdmx",
]


@dataclass(frozen=True)
class SdgSeries:
    """Where one measure of one table goes in the SDG outputs."""

    table_id: str
    measure: str
    #: SDG indicator, dotted (``8.5.2``).
    indicator: str
    #: SDG series code (global series) or a national series code.
    series: str
    series_name: str
    #: SDMX UNIT_MEASURE code (SDG code list) and the Open SDG ``Units`` text.
    unit: str
    unit_label: str
    #: The AGE code covering the indicator's whole age range (headline rows).
    headline_age: str
    #: Whether the series exists in the SDG global database (SDMX shape) or is national.
    global_series: bool = True


SDG_SERIES: Final = (
    SdgSeries(
        "7.1",
        "UNEMPLOYMENT_RATE",
        "8.5.2",
        "SL_TLF_UEM",
        "Unemployment rate, by sex and age (%)",
        "PT",
        "Percent",
        "Y_GE15",
    ),
    SdgSeries(
        "7.2",
        "NEET_RATE",
        "8.6.1",
        "SL_TLF_NEET",
        "Proportion of youth (aged 15-24 years) not in education, employment or training, "
        "by sex (%)",
        "PT",
        "Percent",
        "Y15T24",
    ),
    SdgSeries(
        "7.3",
        "GPI",
        "4.5.1",
        "NAT_GPI_SCHOOL_ATTENDANCE",
        "Gender parity index of the school attendance rate (national series)",
        "IX",
        "Ratio",
        "Y6T17",
        global_series=False,
    ),
)

#: Our MIGRATORY_STATUS codes in SDG COMPOSITE_BREAKDOWN; ``_T`` is ``_Z`` (none).
_COMPOSITE: Final = {**COMPOSITE_BREAKDOWN, TOTAL: "_Z"}
_OPEN_SDG_COLUMNS: Final = (
    ("SEX", "Sex"),
    ("AGE", "Age"),
    ("MIGRATORY_STATUS", "Migratory status"),
)
_YEAR_IN_CODE: Final = re.compile(r"(\d{4})")


@dataclass(frozen=True)
class SdgObservation:
    """One cell of an SDG series (codes as in the table; value may be None)."""

    series: SdgSeries
    year: str
    sex: str
    age: str
    migratory_status: str
    value: float | None
    obs_status: str


def _year(table: PublishedTable, row: dict[str, Any]) -> str:
    if "TIME_PERIOD" in row:
        return str(row["TIME_PERIOD"])[:4]
    meta = table.table.metadata
    code = str(row.get("REF_DATE", ""))
    dates = meta.get("reference_dates")
    if isinstance(dates, dict) and code in dates:
        return str(dates[code])[:4]
    if isinstance(meta.get("reference_date"), str) and code in ("", "census_night"):
        return str(meta["reference_date"])[:4]
    if m := _YEAR_IN_CODE.search(code):
        return m[1]
    raise ValueError(f"table {table.table_id}: no year for REF_DATE {code!r}")


def sdg_observations(
    tables: Sequence[PublishedTable], series: Sequence[SdgSeries] = SDG_SERIES
) -> list[SdgObservation]:
    """The cells of every SDG series whose table is in ``tables``, in table order."""
    by_id = {t.table_id: t for t in tables}
    out = []
    for s in series:
        table = by_id.get(s.table_id)
        if table is None:
            continue
        for row in table.rows():
            if row.get("MEASURE", s.measure) != s.measure:
                continue
            out.append(
                SdgObservation(
                    s,
                    _year(table, row),
                    str(row.get("SEX", TOTAL)),
                    str(row.get("AGE", s.headline_age)),
                    str(row.get("MIGRATORY_STATUS", TOTAL)),
                    row["OBS_VALUE"],
                    str(row["OBS_STATUS"]),
                )
            )
    return out


def _number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_opensdg(
    tables: Sequence[PublishedTable], folder: Path, series: Sequence[SdgSeries] = SDG_SERIES
) -> tuple[list[Path], int]:
    """Write ``indicator_<goal>-<target>-<indicator>.csv`` per indicator; returns the
    files and the number of cells left out for want of a value."""
    observations = sdg_observations(tables, series)
    metadata = {t.table_id: t.table.metadata for t in tables}
    by_indicator: dict[str, list[SdgObservation]] = {}
    for obs in observations:
        by_indicator.setdefault(obs.series.indicator, []).append(obs)
    written, withheld = [], 0
    for indicator, cells in sorted(by_indicator.items()):
        rows: list[tuple[bool, tuple[str, ...]]] = []
        for obs in cells:
            if obs.value is None:
                withheld += 1
                continue
            meta = metadata[obs.series.table_id]
            codes = {"SEX": obs.sex, "AGE": obs.age, "MIGRATORY_STATUS": obs.migratory_status}
            labels = []
            for dimension, _ in _OPEN_SDG_COLUMNS:
                code = codes[dimension]
                empty = code == TOTAL or (dimension == "AGE" and code == obs.series.headline_age)
                labels.append("" if empty else code_label(dimension, code, meta))
            headline = all(label == "" for label in labels)
            rows.append(
                (
                    not headline,
                    (
                        obs.year,
                        obs.series.series_name,
                        obs.series.unit_label,
                        *labels,
                        _number(obs.value),
                    ),
                )
            )
        if not rows:
            continue
        keep = [i for i in range(len(_OPEN_SDG_COLUMNS)) if any(row[3 + i] for _, row in rows)]
        header = ["Year", "Series", "Units", *(_OPEN_SDG_COLUMNS[i][1] for i in keep), "Value"]
        ordered = sorted(rows, key=lambda r: (r[0], r[1][0], r[1][1], r[1][3:-1]))
        body = [(*row[:3], *(row[3 + i] for i in keep), row[-1]) for _, row in ordered]
        name = f"indicator_{indicator.replace('.', '-')}.csv"
        written.append(write_text(folder / name, _csv_text(header, body)))
    return written, withheld


def _sdg_codelists(observations: Sequence[SdgObservation], country: str) -> list[CodeList]:
    used_sex = sorted({o.sex for o in observations})
    used_age = sorted({o.age for o in observations})
    series = {o.series.series: o.series.series_name for o in observations}
    units = {o.series.unit: o.series.unit_label for o in observations}
    area = build_codelists([], country)["CL_AREA"]
    return [
        CodeList("CL_FREQ", "Frequency", (CodeItem("A", "Annual"),)),
        CodeList("CL_REPORTING_TYPE", "Reporting type", (CodeItem("N", "National"),)),
        CodeList(
            "CL_SERIES", "SDG series", tuple(CodeItem(k, v) for k, v in sorted(series.items()))
        ),
        area,
        CodeList("CL_SEX", "Sex", tuple(CodeItem(c, code_label("SEX", c)) for c in used_sex)),
        CodeList("CL_AGE", "Age", tuple(CodeItem(c, code_label("AGE", c)) for c in used_age)),
        CodeList(
            "CL_COMPOSITE_BREAKDOWN",
            "Composite breakdown",
            (
                CodeItem("MS_MIGRANT", "Migrants (foreign-born)"),
                CodeItem("MS_NOMIGRANT", "Non-migrants (native-born)"),
                CodeItem("_Z", "Not applicable"),
            ),
        ),
        CodeList(
            "CL_OBS_STATUS",
            "Observation status",
            tuple(CodeItem(k, v) for k, v in OBS_STATUS_CODES.items()),
        ),
        CodeList(
            "CL_UNIT_MEASURE",
            "Unit of measure",
            tuple(CodeItem(k, v) for k, v in sorted(units.items())),
        ),
        CodeList("CL_NATURE", "Nature of data", (CodeItem("C", "Country data"),)),
    ]


def sdg_sdmx_rows(tables: Sequence[PublishedTable], country: str) -> list[dict[str, Any]]:
    """The observations of the SDG SDMX shape (global series, FB / NB / total only,
    cells with a value)."""
    area = country_m49(country)
    rows = []
    for obs in sdg_observations(tables, [s for s in SDG_SERIES if s.global_series]):
        if obs.migratory_status not in _COMPOSITE or obs.value is None:
            continue
        rows.append(
            {
                "FREQ": "A",
                "REPORTING_TYPE": "N",
                "SERIES": obs.series.series,
                "REF_AREA": area,
                "SEX": obs.sex,
                "AGE": obs.age,
                "COMPOSITE_BREAKDOWN": _COMPOSITE[obs.migratory_status],
                "TIME_PERIOD": obs.year,
                "OBS_VALUE": obs.value,
                "OBS_STATUS": obs.obs_status,
                "UNIT_MEASURE": obs.series.unit,
                "NATURE": "C",
            }
        )
    return rows


def build_sdg_structures(
    tables: Sequence[PublishedTable], *, country: str, agency: str
) -> tuple[list[Any], Any, Any]:
    """The SDG shape's artefacts (concept scheme, code lists, DSD, dataflow), its DSD and
    its dataflow (pysdmx objects)."""
    import pysdmx.model as model
    from pysdmx.model.__base import DataType, ItemReference
    from pysdmx.model.dataflow import Role

    observations = sdg_observations(tables, [s for s in SDG_SERIES if s.global_series])
    lists = {
        cl.id: model.Codelist(
            id=cl.id,
            name=cl.name,
            agency=agency,
            version=cl.version,
            items=[model.Code(id=i.id, name=i.name) for i in cl.items],
        )
        for cl in _sdg_codelists(observations, country)
    }
    dims = ["FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "COMPOSITE_BREAKDOWN"]
    attrs = ["OBS_STATUS", "UNIT_MEASURE", "NATURE"]
    scheme_id = "CS_SDG_MIGRATORY_STATUS"
    concepts = [*dims, "TIME_PERIOD", "OBS_VALUE", *attrs]
    scheme = model.ConceptScheme(
        id=scheme_id,
        name="Concepts of the SDG structure",
        agency=agency,
        version="1.0",
        items=[model.Concept(id=c, name=c.replace("_", " ").capitalize()) for c in concepts],
    )

    def ref(cid: str) -> Any:
        return ItemReference(
            sdmx_type="Concept", agency=agency, id=scheme_id, version="1.0", item_id=cid
        )

    cl_of = {"REF_AREA": "CL_AREA"}
    parts = [
        model.Component(
            id=d,
            required=True,
            role=Role.DIMENSION,
            concept=ref(d),
            local_codes=lists[cl_of.get(d, f"CL_{d}")],
        )
        for d in dims
    ]
    parts.append(
        model.Component(
            id="TIME_PERIOD",
            required=True,
            role=Role.DIMENSION,
            concept=ref("TIME_PERIOD"),
            local_dtype=DataType.PERIOD,
        )
    )
    parts.append(
        model.Component(
            id="OBS_VALUE",
            required=False,
            role=Role.MEASURE,
            concept=ref("OBS_VALUE"),
            local_dtype=DataType.DOUBLE,
        )
    )
    parts += [
        model.Component(
            id=a,
            required=True,
            role=Role.ATTRIBUTE,
            concept=ref(a),
            local_codes=lists[f"CL_{a}"],
            attachment_level="O",
        )
        for a in attrs
    ]
    dsd = model.DataStructureDefinition(
        id="DSD_SDG_MIGRATORY_STATUS",
        name="SDG indicators by migratory status (shape of the SDG global DSD)",
        agency=agency,
        version="1.0",
        components=model.Components(parts),
    )
    flow = model.Dataflow(
        id="DF_SDG_MIGRATORY_STATUS",
        name="SDG indicators by migratory status",
        agency=agency,
        version="1.0",
        structure=dsd.short_urn,
    )
    return [scheme, *lists.values(), dsd, flow], dsd, flow


def write_sdg_sdmx(
    tables: Sequence[PublishedTable],
    folder: Path,
    *,
    country: str,
    agency: str,
    release: str,
    prepared: date,
) -> tuple[list[Path], Any]:
    """Write the SDG-shaped structure and data (module docstring); returns the files and
    the pysdmx DSD (``None`` and no files when no SDG table is in the release)."""
    rows = sdg_sdmx_rows(tables, country)
    if not rows:
        return [], None
    pd = importlib.import_module("pandas")
    import pysdmx.model as model
    from pysdmx.io.format import Format
    from pysdmx.io.pd import PandasDataset
    from pysdmx.model.dataflow import Schema
    from pysdmx.model.message import Header

    from migstats.publish.sdmx import serialise

    artefacts, dsd, flow = build_sdg_structures(tables, country=country, agency=agency)
    stamp = datetime(prepared.year, prepared.month, prepared.day, tzinfo=UTC)
    message = re.sub(r"[^A-Za-z0-9_-]", "_", f"MIGSTATS_{release}_SDG")

    def header() -> Any:
        return Header(id=message, prepared=stamp, sender=model.Organisation(id=agency))

    written = [
        write_text(
            folder / "structure.xml",
            serialise(artefacts, Format.STRUCTURE_SDMX_ML_2_1, header()),
        )
    ]
    schema = Schema(
        context="dataflow",
        agency=agency,
        id=flow.id,
        version="1.0",
        components=dsd.components,
        generated=stamp,
    )
    frame = pd.DataFrame(rows, columns=[c.id for c in dsd.components])
    frame["OBS_VALUE"] = frame["OBS_VALUE"].astype("float64")
    xml = serialise(
        [PandasDataset(structure=schema, data=frame.copy())],
        Format.DATA_SDMX_ML_2_1_STR,
        header(),
    )
    written.append(write_text(folder / "data.xml", xml))
    text = serialise(
        [PandasDataset(structure=schema, data=frame.copy())], Format.DATA_SDMX_CSV_2_0_0
    )
    written.append(write_text(folder / "data.csv", text))
    return written, dsd
