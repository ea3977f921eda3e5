"""The static site: every page built, charts fed with the release's cells, suppressed
cells never shown as numbers, downloads copied byte for byte, identical rebuilds, and a
folder that needs no network."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from migstats.errors import UserInputError
from migstats.web.site import MARKER, build_site
from tests.web import sample

TABLE_IDS = ("1.1", "1.2", "1.3", "1.4N", "7.1")


def data_of(site: Path, name: str, key: str) -> Any:
    """The payload a data/*.js file stores under window.MIGSTATS_DATA[key]."""
    text = (site / "data" / name).read_text("utf-8")
    prefix = f"(window.MIGSTATS_DATA = window.MIGSTATS_DATA || {{}})[{json.dumps(key)}] = "
    body = text.split(prefix, 1)[1].rstrip().removesuffix(";")
    return json.loads(body)


def test_every_page_is_built(site: Path) -> None:
    for page in ("index.html", "tables.html", "downloads.html"):
        assert (site / page).is_file()
    for table_id in TABLE_IDS:
        html = (site / "tables" / f"{table_id}.html").read_text("utf-8")
        assert f'data-table="{table_id}"' in html
        assert (site / "data" / f"table-{table_id}.js").is_file()
    listing = (site / "tables.html").read_text("utf-8")
    for table_id in TABLE_IDS:
        assert f'href="tables/{table_id}.html"' in listing
    assert not (site / "tables" / "9.9.html").exists()  # secure-only table


def test_table_page_has_filters_metadata_and_accessible_markup(site: Path) -> None:
    html = (site / "tables" / "1.1.html").read_text("utf-8")
    assert '<html lang="en">' in html
    # one labelled select per dimension, with readable labels
    for i, label in enumerate(("Reference date", "Measure", "Sex", "Age", "Citizenship")):
        assert f'<label for="f-{i}">{label}</label>' in html
    assert '<option value="BGD">Bangladesh</option>' in html
    assert '<option value="Y20T24">20-24</option>' in html
    assert '<option value="HA">Haa Alifu</option>' in html
    assert "Census night (2022-09-20)" in html
    # metadata: definition, sources, disclosure method
    assert "Usual residents born abroad" in html
    assert "census_2022.parquet" in html
    assert "threshold 5, primary and secondary suppression" in html
    # absolute server paths are not published
    assert "/srv/secret" not in html
    assert "register_census.parquet" in html
    # the legend explains the symbols used
    assert "<dt>x</dt>" in html and "<dt>e</dt>" in html


def test_pyramid_data_equal_the_release_cells(site: Path) -> None:
    headline = data_of(site, "headline.js", "headline")
    stock = headline["stock"]
    assert stock["age_codes"] == list(sample.AGES)
    assert stock["ages"] == ["20-24", "25-29", "30-34"]
    born = stock["pyramid"][f"{sample.CENSUS}|FOREIGN_BORN"]
    assert born["male"] == list(sample.PYRAMID[("FOREIGN_BORN", "M")])
    assert born["female"] == list(sample.PYRAMID[("FOREIGN_BORN", "F")])
    citizens = stock["pyramid"][f"{sample.CENSUS}|FOREIGN_CITIZENS"]
    assert citizens["male"] == list(sample.PYRAMID[("FOREIGN_CITIZENS", "M")])
    # 20-24 shown; 25-29 (secondary suppression, number left in the file) and 30-34
    # (primary) are withheld
    assert citizens["female"] == [28.0, None, None]
    assert citizens["female_text"] == ["28", "x", "x"]


def test_flows_top_citizenships_and_atolls(site: Path) -> None:
    headline = data_of(site, "headline.js", "headline")
    flows = headline["flows"]
    assert flows["periods"] == list(sample.YEARS)
    by_table = {s["table"]: s for s in flows["series"]}
    assert by_table["1.2"]["values"] == list(sample.IMMIGRANTS["_T"])
    assert by_table["1.3"]["values"] == list(sample.EMIGRANTS["_T"])
    assert by_table["1.4N"]["values"] == list(sample.NET["_T"])
    assert by_table["1.4N"]["status"] == ["A", "A", "P"]
    stock = headline["stock"]
    born = stock["citizenships"][f"{sample.CENSUS}|FOREIGN_BORN"]
    # largest first; unknown citizenship is not a country and is not ranked
    assert born["codes"] == ["BGD", "IND", "LKA", "MDV"]
    assert born["labels"][0] == "Bangladesh"
    assert born["values"] == [500.0, 300.0, 150.0, 40.0]
    # the suppressed NPL cell is not ranked (its rank would disclose it)
    citizens = stock["citizenships"][f"{sample.CENSUS}|FOREIGN_CITIZENS"]
    assert citizens["codes"] == ["BGD", "IND", "LKA"]
    atolls = stock["atolls"][f"{sample.CENSUS}|FOREIGN_CITIZENS"]
    # official north-to-south order: Malé City, Haa Alifu, ..., Kaafu
    assert atolls["codes"] == ["MC", "HA", "K"]
    assert atolls["values"] == [590.0, None, 353.0]
    assert atolls["texts"] == ["590", "x", "353"]
    figures = {f["label"]: f for f in headline["figures"]}
    assert figures["Migrant stock: foreign-born"]["value"] == "1,016"
    # 2023 is provisional: the headline is the latest final year's.
    assert figures["Net migration"]["value"] == "90"
    assert figures["Net migration"]["note"] == "2022"


def test_suppressed_cells_are_never_numbers(site: Path) -> None:
    payload = data_of(site, "table-1.1.js", "table:1.1")
    dims = [d["id"] for d in payload["dimensions"]]
    n = len(dims)
    codes = [d["codes"] for d in payload["dimensions"]]
    seen = 0
    for row in payload["rows"]:
        cell = {dims[i]: codes[i][row[i]] for i in range(n)}
        key = (cell["MEASURE"], cell["SEX"], cell["AGE"])
        citizenship = (cell["MEASURE"], cell["CITIZENSHIP"])
        if key in sample.SUPPRESSED or citizenship == sample.SUPPRESSED_CITIZENSHIP:
            seen += 1
            assert row[n] is None
            assert row[n + 1] == "x"
    assert seen == 3
    # the number left in the file for the D cell appears nowhere in its page or data
    page = (site / "tables" / "1.1.html").read_text("utf-8")
    assert ">50<" not in page
    assert not re.search(r"\b50(\.0)?\b", json.dumps(payload["rows"]))


def test_estimates_carry_their_interval(site: Path) -> None:
    payload = data_of(site, "table-1.1.js", "table:1.1")
    n = len(payload["dimensions"])
    assert payload["interval"] is True
    totals = [r for r in payload["rows"] if r[n] == sample.TOTALS["FOREIGN_CITIZENS"]]
    assert totals == [[*totals[0][:n], 946.0, "946", "e", "930 to 962"]]


def test_percentages_and_metadata_labels(site: Path) -> None:
    payload = data_of(site, "table-7.1.js", "table:7.1")
    status = payload["dimensions"][0]
    assert status["id"] == "MIGRATORY_STATUS"
    assert dict(zip(status["codes"], status["labels"], strict=True)) == {
        "FB": "foreign-born",
        "NB": "native-born",
    }
    n = len(payload["dimensions"])
    assert sorted(r[n + 1] for r in payload["rows"]) == ["4.5", "6.2"]
    assert sorted(r[n + 2] for r in payload["rows"]) == ["", "u"]  # low reliability


def test_downloads_are_copied_byte_identical(site: Path, release: Path) -> None:
    for rel, content in sample.RELEASE_FILES.items():
        assert (site / "downloads" / rel).read_bytes() == content
    assert (site / "downloads" / "manifest.json").read_bytes() == (
        release / "manifest.json"
    ).read_bytes()
    page = (site / "tables" / "1.1.html").read_text("utf-8")
    own = re.findall(r'href="\.\./downloads/([^"]+)" download', page)
    assert own == [
        "csv/1.1.csv",
        "sdmx/csv/1.1.csv",
        "sdmx/data/1.1.xml",
        "sdmx/data-3.0/1.1.xml",
        sample.WORKBOOK,  # the release workbook holds every table
    ]
    assert "SDMX-ML 3.0 data: 1.1.xml" in page and "Excel workbook, all tables" in page
    other = (site / "tables" / "1.2.html").read_text("utf-8")
    assert re.findall(r'href="\.\./downloads/([^"]+)" download', other) == [
        "csv/1.2.csv",
        sample.WORKBOOK,
    ]
    listing = (site / "downloads.html").read_text("utf-8")
    for rel in sample.RELEASE_FILES:
        assert f'href="downloads/{rel}" download' in listing


def test_a_release_changed_after_publication_is_refused(release: Path, tmp_path: Path) -> None:
    import shutil

    altered = tmp_path / "altered"
    shutil.copytree(release, altered)
    (altered / "csv" / "1.1.csv").write_bytes(b"REF_DATE,OBS_VALUE\ncensus_night,999\n")
    with pytest.raises(UserInputError, match=r"csv/1\.1\.csv: contents differ"):
        build_site(altered, tmp_path / "site")


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_rebuilding_gives_identical_files(site: Path, release: Path, tmp_path: Path) -> None:
    again = build_site(release, tmp_path / "again")
    assert _tree(again) == _tree(site)
    # and rebuilding in place replaces the site
    (again / "stale.html").write_text("old")
    build_site(release, again)
    assert _tree(again) == _tree(site)


def test_works_offline_no_outside_links(site: Path) -> None:
    for path in site.rglob("*.html"):
        html = path.read_text("utf-8")
        for src in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert "://" not in src and not src.startswith("//"), (path, src)
        assert "<script>" not in html  # data come in .js files, no inline scripts
    vendor = site / "static" / "vendor"
    assert (vendor / "chart.umd.min.js").read_bytes().startswith(b"/*!\n * Chart.js v4.6.1")
    assert "MIT License" in (vendor / "chart.js-LICENSE.md").read_text("utf-8")


def test_refuses_to_overwrite_a_folder_it_did_not_build(release: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    with pytest.raises(UserInputError, match="Will not overwrite"):
        build_site(release, precious)
    assert (precious / "thesis.docx").is_file()
    built = build_site(release, tmp_path / "fresh")
    assert (built / MARKER).is_file()


def test_a_release_without_stock_or_flows_still_builds(tmp_path: Path) -> None:
    from migstats.stats.cube import write_tables

    only_sdg = [t for t in sample.sample_tables(published=True) if t.table_id == "7.1"]
    write_tables(only_sdg, tmp_path / "release" / "tables")
    out = build_site(tmp_path / "release", tmp_path / "site")
    assert "no stock or flow tables" in (out / "index.html").read_text("utf-8")
    assert (out / "tables" / "7.1.html").is_file()
