"""DDI-Codebook 2.5 of integrated microdata: parses, names every variable, codes listed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lxml import etree

from migstats.publish.ddi import DDI_NAMESPACE, DdiError, check_ddi, integrated_files, write_ddi

NS = {"d": DDI_NAMESPACE}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    integrated, harmonised = tmp_path / "integrated", tmp_path / "harmonised"
    integrated.mkdir()
    harmonised.mkdir()
    pq.write_table(
        pa.table(
            {
                "person_key": ["P1", "P2", "P3"],
                "travellers": [1, 2, 1],
                "sex": ["M", "F", "M"],
                "date_of_birth": pa.array([date(1990, 1, 2), date(1985, 5, 6), None]),
                "citizenship": ["BGD", "MDV", "XXA"],
            }
        ),
        integrated / "person.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "_record": [1, 2],
                "record_id": ["r1", "r2"],
                "direction": ["ARR", "DEP"],
                "document_no": ["h1", "h2"],
                "surname": ["A", "B"],
                "nationality_iso3": ["BGD", "XKX"],
                "_source": ["border_crossings", "border_crossings"],
            }
        ),
        harmonised / "border_crossings.parquet",
    )
    return tmp_path


def test_ddi_names_every_variable_of_every_file(workspace: Path, tmp_path: Path) -> None:
    path = write_ddi(workspace, tmp_path / "ddi.xml", prepared=date(2025, 3, 1))
    names = check_ddi(path)
    expected = []
    for file in integrated_files(workspace).values():
        expected += pq.read_schema(file).names
    assert sorted(names) == sorted(expected)
    root = etree.parse(str(path)).getroot()
    assert root.get("version") == "2.5"
    files = root.xpath("d:fileDscr/d:fileTxt/d:fileName/text()", namespaces=NS)
    assert files == ["harmonised/border_crossings.parquet", "integrated/person.parquet"]
    cases = root.xpath("d:fileDscr/d:fileTxt/d:dimensns/d:caseQnty/text()", namespaces=NS)
    assert cases == ["2", "3"]
    sources = root.xpath("//d:sources/d:dataSrc/text()", namespaces=NS)
    assert sources and sources[0].startswith("border_crossings")


def test_ddi_code_lists_labels_and_identifiers(workspace: Path, tmp_path: Path) -> None:
    root = etree.parse(str(write_ddi(workspace, tmp_path / "d.xml", prepared=date(2025, 3, 1))))

    def var(name: str) -> etree._Element:
        return root.xpath(f"//d:var[@name='{name}']", namespaces=NS)[0]

    sex = {
        c.findtext("d:catValu", namespaces=NS): (
            c.findtext("d:labl", namespaces=NS),
            c.findtext("d:catStat", namespaces=NS),
        )
        for c in var("sex").findall("d:catgry", NS)
    }
    assert sex == {"F": ("Female", "1"), "M": ("Male", "2")}
    nationality = {
        c.findtext("d:catValu", namespaces=NS): c.findtext("d:labl", namespaces=NS)
        for c in var("nationality_iso3").findall("d:catgry", NS)
    }
    assert nationality == {"BGD": "Bangladesh", "XKX": "Kosovo"}
    assert var("surname").find("d:catgry", NS) is None
    assert "Direct identifier" in var("surname").findtext("d:security", namespaces=NS)
    assert "Pseudonymised" in var("document_no").findtext("d:security", namespaces=NS)
    assert var("person_key").find("d:catgry", NS) is None
    assert var("date_of_birth").findtext("d:sumStat[@type='invd']", namespaces=NS) == "1"
    assert var("travellers").findtext("d:sumStat[@type='max']", namespaces=NS) == "2"
    assert var("travellers").get("intrvl") == "contin"


def test_ddi_is_the_same_bytes_every_time(workspace: Path, tmp_path: Path) -> None:
    a = write_ddi(workspace, tmp_path / "a.xml", prepared=date(2025, 3, 1)).read_bytes()
    b = write_ddi(workspace, tmp_path / "b.xml", prepared=date(2025, 3, 1)).read_bytes()
    assert a == b


def test_check_ddi_catches_structure_problems(workspace: Path, tmp_path: Path) -> None:
    path = write_ddi(workspace, tmp_path / "d.xml", prepared=date(2025, 3, 1))
    text = path.read_text("utf-8")
    broken = tmp_path / "broken.xml"
    # labl after sumStat breaks the order of DDI-C's var sequence
    broken.write_text(
        text.replace(
            "<labl>Pseudonymous person identifier of the person spine</labl>", "", 1
        ).replace(
            '<sumStat type="vald">3</sumStat>', '<sumStat type="vald">3</sumStat><labl>x</labl>', 1
        ),
        "utf-8",
    )
    with pytest.raises(DdiError, match="out of order"):
        check_ddi(broken)
    broken.write_text(text.replace('files="F1"', 'files="F9"', 1), "utf-8")
    with pytest.raises(DdiError, match="unknown file F9"):
        check_ddi(broken)
    broken.write_text(
        text.replace("<titl>Integrated migration microdata, Maldives</titl>", "<titl> </titl>", 1),
        "utf-8",
    )
    with pytest.raises(DdiError, match="titl"):
        check_ddi(broken)
    broken.write_text(text[: len(text) // 2], "utf-8")
    with pytest.raises(DdiError, match="not well-formed"):
        check_ddi(broken)


def test_no_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DdiError, match="No microdata"):
        write_ddi(tmp_path, tmp_path / "x.xml", prepared=date(2025, 3, 1))
