"""Readers and validation on small hand-made deliveries whose problems are known, and
on the synthetic country against its truth."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from migstats.config import PeriodSection, QualitySection, SourceSection
from migstats.quality.validate import SourceValidation, validate_source
from migstats.sources.read import RECORD, read_raw

PERIOD = PeriodSection(start=date(2019, 1, 1), end=date(2024, 12, 31))
QUALITY = QualitySection(strictness="raise", max_quarantine_share=0.01)

PERMIT_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "PERMIT NO", "type": "string", "constraints": {"required": True}},
        {"name": "HOLDER", "type": "string"},
        {"name": "NAT", "type": "string", "constraints": {"pattern": "[A-Z]{3}"}},
        {"name": "FROM", "type": "date", "format": "%d/%m/%Y"},
        {"name": "TO", "type": "date", "format": "%d/%m/%Y"},
        {"name": "DOB", "type": "date", "format": "%d/%m/%Y"},
    ],
    "primaryKey": ["PERMIT NO"],
}
PERMIT_SOURCE = SourceSection(
    name="permits",
    kind="visa_permit",
    agency="immigration",
    path="permits.csv",
    format="csv",
    delimiter=";",
    encoding="latin-1",
    columns={
        "permit_id": "PERMIT NO",
        "permit_type": "HOLDER",  # any text column will do for the required type
        "holder_name": "HOLDER",
        "nationality": "NAT",
        "valid_from": "FROM",
        "valid_to": "TO",
        "date_of_birth": "DOB",
    },
)

# Records (1-based after the header) and what is wrong with them:
#  1 fine; 2 valid_to before valid_from; 3 bad date; 4 malformed (too few fields);
#  5 duplicate key of record 1; 6 empty key; 7 fine, name with a quoted newline and
#  a Latin-1 "é"; 8 nationality breaks the pattern (warning only); 9 born 1850.
PERMITS_CSV = (
    "PERMIT NO;HOLDER;NAT;FROM;TO;DOB\n"
    "P1;Ali;BGD;01/02/2020;31/01/2021;05/06/1990\n"
    "P2;Hawwa;IND;01/02/2020;31/01/2019;05/06/1990\n"
    "P3;Mohamed;LKA;31/02/2020;31/01/2021;05/06/1990\n"
    "P4;Nimal\n"
    "P1;Sita;NPL;01/02/2020;31/01/2021;05/06/1990\n"
    ";Rahim;BGD;01/02/2020;31/01/2021;05/06/1990\n"
    'P7;"Ren\xe9\nDupont";FRA;01/02/2020;31/01/2021;05/06/1990\n'
    "P8;Li;??;01/02/2020;31/01/2021;05/06/1990\n"
    "P9;Old;GBR;01/02/2020;31/01/2021;05/06/1850\n"
)


def _validate(tmp_path: Path) -> SourceValidation:
    path = tmp_path / "permits.csv"
    path.write_bytes(PERMITS_CSV.encode("latin-1"))
    raw = read_raw(path, "csv", encoding="latin-1", delimiter=";")
    return validate_source(raw, PERMIT_SOURCE, PERMIT_SCHEMA, PERIOD, QUALITY)


def _rule(result: SourceValidation, code: str) -> Any:
    found = [r for r in result.rules if r.code == code]
    assert found, f"no {code} in {[r.code for r in result.rules]}"
    return found[0]


def test_counts_reconcile_and_rows_are_named(tmp_path: Path) -> None:
    v = _validate(tmp_path)
    assert v.delivered == 9
    assert v.accepted + v.quarantined == v.delivered
    # Quarantined: 2 (date order), 3 (bad date), 4 (malformed), 5 (duplicate), 6 (no key).
    assert sorted(v.quarantine[RECORD].to_pylist()) == [2, 3, 4, 5, 6]
    assert v.clean[RECORD].to_pylist() == [1, 7, 8, 9]
    assert _rule(v, "DATE_ORDER").examples[0]["record"] == 2
    assert _rule(v, "TYPE_INVALID").examples[0] == {"record": 3, "value": "31/02/2020"}
    assert _rule(v, "MALFORMED_ROW").examples[0]["record"] == 4
    assert _rule(v, "DUPLICATE_KEY").examples[0] == {"record": 5, "value": "P1"}
    assert _rule(v, "REQUIRED_MISSING").examples[0]["record"] == 6
    # Warnings are reported but keep the row.
    assert _rule(v, "PATTERN_INVALID").examples[0] == {"record": 8, "value": "??"}
    assert _rule(v, "DOB_IMPLAUSIBLE").examples[0]["record"] == 9
    # 5 of 9 rows quarantined: far above 1%, so the source is invalid.
    assert not v.valid


def test_clean_rows_are_typed_canonical_columns(tmp_path: Path) -> None:
    v = _validate(tmp_path)
    row = v.clean.to_pylist()[0]
    assert row["permit_id"] == "P1"
    assert row["valid_from"] == date(2020, 2, 1)
    assert row["valid_to"] == date(2021, 1, 31)
    # The quoted newline and the Latin-1 character survive reading.
    rene = v.clean.filter(pc.equal(v.clean["permit_id"], "P7")).to_pylist()[0]
    assert rene["holder_name"] == "René\nDupont"
    # The quarantine keeps the delivered columns and the reasons.
    reasons = dict(
        zip(v.quarantine[RECORD].to_pylist(), v.quarantine["reasons"].to_pylist(), strict=True)
    )
    assert "DATE_ORDER:valid_to" in reasons[2]
    assert "MALFORMED_ROW" in reasons[4]


def test_missing_column_names_the_column_and_suggests(tmp_path: Path) -> None:
    path = tmp_path / "permits.csv"
    path.write_bytes(PERMITS_CSV.encode("latin-1"))
    raw = read_raw(path, "csv", encoding="latin-1", delimiter=";")
    source = PERMIT_SOURCE.model_copy(
        update={"columns": {**PERMIT_SOURCE.columns, "status": "STATS"}}
    )
    v = validate_source(raw, source, PERMIT_SCHEMA, PERIOD, QUALITY)
    missing = _rule(v, "MISSING_COLUMN")
    assert missing.field == "STATS"
    assert not v.valid


def test_bom_xlsx_and_parquet_readers(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfID,NAME\r\n1,Ali\r\n2,Hawwa\r\n")
    raw = read_raw(bom, "csv")
    assert raw.header == ["ID", "NAME"]
    assert raw.table["NAME"].to_pylist() == ["Ali", "Hawwa"]
    table = pa.table({"ID": [1, 2], "BORN": pa.array([date(1990, 1, 2), None], pa.date32())})
    pq.write_table(table, tmp_path / "x.parquet")
    raw = read_raw(tmp_path / "x.parquet", "parquet")
    assert raw.table["BORN"].to_pylist() == ["1990-01-02", None]
    assert raw.table[RECORD].to_pylist() == [1, 2]
    from migstats.synth.extracts.xlsx import write_xlsx

    write_xlsx(table, tmp_path / "x.xlsx", "Sheet")
    raw = read_raw(tmp_path / "x.xlsx", "xlsx", sheet="Sheet")
    assert raw.table["ID"].to_pylist() == ["1", "2"]
    assert raw.table["BORN"].to_pylist()[0].startswith("1990-01-02")
    from migstats.errors import UserInputError

    with pytest.raises(UserInputError, match="No sheet"):
        read_raw(tmp_path / "x.xlsx", "xlsx", sheet="Nope")


def test_synthetic_country_malformed_rows_match_the_truth(small_country: Path) -> None:
    from migstats.synth.project import synthetic_project

    settings = synthetic_project(small_country / "extracts", small_country / "ws")
    truth = pq.read_table(small_country / "truth" / "record.parquet")
    for s in settings["sources"]:
        source = SourceSection.model_validate(s)
        raw = read_raw(
            small_country / "extracts" / source.path,
            source.format,
            encoding=source.encoding,
            delimiter=source.delimiter,
            sheet=source.sheet,
        )
        schema = json.loads((small_country / "extracts" / str(source.dictionary)).read_text())
        v = validate_source(raw, source, schema, PERIOD, QUALITY)
        mine = truth.filter(pc.equal(truth["source"].cast(pa.string()), source.name))
        assert v.delivered == mine.num_rows
        assert v.accepted + v.quarantined == v.delivered
        malformed = pc.sum(pc.match_substring(mine["faults"].cast(pa.string()), "malformed"))
        assert raw.rejected.num_rows == (malformed.as_py() or 0)
        assert v.valid, source.name


def test_date_format_detected_per_file_and_ambiguity_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    # FROM never has a day above 12 (ambiguous); TO has 13 and 30, so it is day-first.
    path.write_text(
        "ID,FROM,TO\n1,01/03/2022,05/03/2022\n2,02/04/2022,13/04/2022\n3,1/5/2022,30/5/2022\n"
    )
    source = SourceSection(
        name="x",
        kind="visa_permit",
        agency="a",
        path="x.csv",
        format="csv",
        columns={"permit_id": "ID", "permit_type": "ID", "valid_from": "FROM", "valid_to": "TO"},
    )
    v = validate_source(read_raw(path, "csv"), source, None, PERIOD, QUALITY)
    assert v.clean["valid_to"].to_pylist()[1] == date(2022, 4, 13)
    assert v.clean["valid_from"].to_pylist()[2] == date(2022, 5, 1)  # read day-first
    ambiguous = _rule(v, "DATE_FORMAT_AMBIGUOUS")
    assert ambiguous.field == "valid_from"
    assert not any(r.field == "valid_to" and r.code == "DATE_FORMAT_AMBIGUOUS" for r in v.rules)


def test_code_list_and_range_rules_from_the_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "census.csv"
    path.write_text("ID,SEX,AGE,ISLAND\n1,1,34,K02\n2,3,151,K02\n3,2,-1,XX\n4,2,40,K02\n")
    schema = {
        "fields": [
            {"name": "ID", "type": "integer", "constraints": {"required": True, "unique": True}},
            {"name": "SEX", "type": "integer", "constraints": {"enum": [1, 2]}},
            {"name": "AGE", "type": "integer", "constraints": {"minimum": 0, "maximum": 120}},
            {"name": "ISLAND", "type": "string", "constraints": {"enum": ["K02", "MC01"]}},
        ]
    }
    source = SourceSection(
        name="census",
        kind="census_person",
        agency="mbs",
        path="census.csv",
        format="csv",
        columns={"record_id": "ID", "sex": "SEX", "age": "AGE", "island": "ISLAND"},
        codes={"sex": {"1": "M", "2": "F"}},
    )
    v = validate_source(read_raw(path, "csv"), source, schema, PERIOD, QUALITY)
    # Sex 3 is not a code of the canonical list (M, F): the required field is unusable.
    assert _rule(v, "TYPE_INVALID").examples == [{"record": 2, "value": "3"}]
    ranges = [r for r in v.rules if r.code == "OUT_OF_RANGE"]
    assert sum(r.count for r in ranges) == 2  # 151 above the maximum, -1 below the minimum
    assert {e["record"] for r in ranges for e in r.examples} == {2, 3}
    assert _rule(v, "CODE_INVALID").examples == [{"record": 3, "value": "XX"}]
    assert v.clean["sex"].to_pylist() == ["M", "F", "F"]
    assert v.clean["age"].to_pylist() == [34, -1, 40]  # out of range is a warning only


def test_blank_lines_with_mixed_line_endings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"A,B\n\n1,2\n\r\n\n3,4\n\n\n")
    raw = read_raw(path, "csv")
    assert [(r["A"], r["B"]) for r in raw.table.to_pylist()] == [("1", "2"), ("3", "4")]
    assert raw.rejected.num_rows == 0
