"""The site in a real browser: Debian's Chromium, headless, driven by playwright (no
browser is downloaded). Charts are read back from each canvas's ``data-state`` (what was
drawn) and from its pixels (that something was drawn)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.web import sample
from tests.web.conftest import CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")

HEADLINE_CHARTS = ("pyramid", "citizenships", "atolls", "flows")


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")


def chart_state(page: Any, name: str) -> dict[str, Any]:
    state = page.get_attribute(f"#chart-{name}", "data-state")
    assert state, f"chart {name} was not drawn"
    result: dict[str, Any] = json.loads(state)
    return result


def painted_pixels(page: Any, name: str) -> int:
    """How many pixels of a chart's canvas are not transparent."""
    script = """(id) => {
        const canvas = document.getElementById(id);
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) n++; }
        return n;
    }"""
    count: int = page.evaluate(script, f"chart-{name}")
    return count


def table_rows(page: Any, selector: str) -> list[list[str]]:
    rows: list[list[str]] = page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => Array.from(r.children).map(c => c.textContent))",
    )
    return rows


def reversed_list(values: tuple[float, ...]) -> list[float]:
    return list(reversed(values))


def test_headline_page_renders_its_charts(page: Any, live_server: str) -> None:
    open_page(page, f"{live_server}/")
    for name in HEADLINE_CHARTS:
        assert painted_pixels(page, name) > 1000, name
    pyramid = chart_state(page, "pyramid")
    # oldest at the top, males to the left (negative)
    assert pyramid["labels"] == ["30-34", "25-29", "20-24"]
    male, female = sample.PYRAMID[("FOREIGN_BORN", "M")], sample.PYRAMID[("FOREIGN_BORN", "F")]
    assert pyramid["data"] == [[-v for v in reversed(male)], reversed_list(female)]
    flows = chart_state(page, "flows")
    assert flows["labels"] == list(sample.YEARS)
    assert flows["data"][0] == list(sample.IMMIGRANTS["_T"])
    assert chart_state(page, "citizenships")["labels"] == [
        "Bangladesh", "India", "Sri Lanka", "Maldives"
    ]  # fmt: skip
    # the other stock definition: suppressed cells drawn as gaps and shown as x
    page.select_option("#stock-measure", "FOREIGN_CITIZENS")
    pyramid = chart_state(page, "pyramid")
    assert pyramid["data"][1] == [None, None, 28.0]
    page.click("#box-pyramid + details summary")
    assert table_rows(page, "#data-pyramid")[1:] == [["25-29", "335", "x"], ["30-34", "402", "x"]]


def test_indicator_filters_change_the_chart(page: Any, live_server: str) -> None:
    open_page(page, f"{live_server}/tables/1.2.html")
    before = chart_state(page, "table")
    assert before == {"labels": list(sample.YEARS), "data": [list(sample.IMMIGRANTS["_T"])]}
    page.select_option("#f-1", "F")  # Sex: Female
    after = chart_state(page, "table")
    assert after == {"labels": list(sample.YEARS), "data": [list(sample.IMMIGRANTS["F"])]}
    rows = table_rows(page, "#values")
    assert rows == [["2021", "60", ""], ["2022", "70", ""], ["2023", "80", "p"]]
    assert "SEX=F" in page.url  # the view can be shared
    # chart across sex instead of time, for 2022
    page.select_option("#axis", "SEX")
    page.select_option("#f-0", "2022")
    across = chart_state(page, "table")
    assert across == {"labels": ["Female", "Male"], "data": [[70.0, 190.0]]}


def test_suppressed_cells_show_as_x(page: Any, live_server: str) -> None:
    open_page(page, f"{live_server}/tables/1.1.html")
    page.select_option("#f-1", "FOREIGN_CITIZENS")
    page.select_option("#f-2", "F")
    assert chart_state(page, "table")["data"] == [[28.0, None, None]]
    rows = table_rows(page, "#values")
    assert rows[1:] == [["25-29", "x", "x", ""], ["30-34", "x", "x", ""]]
    assert not any(cell == "50" for row in rows for cell in row)


def test_a_download_returns_the_right_file(page: Any, live_server: str) -> None:
    open_page(page, f"{live_server}/tables/1.1.html")
    for rel in ("csv/1.1.csv", sample.WORKBOOK, "sdmx/data/1.1.xml"):
        with page.expect_download() as info:
            page.click(f'a[href="../downloads/{rel}"]')
        download = info.value
        assert download.suggested_filename == rel.split("/")[-1]
        assert Path(download.path()).read_bytes() == sample.RELEASE_FILES[rel]


def test_login_works(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/secure/tables/1.1")
    assert "/login" in page.url
    page.fill("#username", sample.ANALYST)
    page.fill("#password", sample.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    assert page.url == f"{live_server}/secure/tables/1.1"
    assert "Secure space" in page.inner_text(".banner")
    # unprotected values, the small count included, drawn under the strict CSP
    page.select_option("#f-1", "FOREIGN_CITIZENS")
    page.select_option("#f-2", "F")
    assert chart_state(page, "table")["data"] == [list(sample.PYRAMID[("FOREIGN_CITIZENS", "F")])]
    page.goto(f"{live_server}/secure/")
    assert "Unprotected small counts" in page.inner_text("main")


def test_a_wrong_password_does_not(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#username", sample.ANALYST)
    page.fill("#password", "not the right password")
    page.click("button[type=submit]")
    assert page.inner_text("#login-error") == "Wrong user name or password."
    page.goto(f"{live_server}/secure/")
    assert "/login" in page.url


def test_static_site_works_from_a_folder(page: Any, site: Path) -> None:
    open_page(page, (site / "index.html").as_uri())
    for name in HEADLINE_CHARTS:
        assert painted_pixels(page, name) > 1000, name
    assert chart_state(page, "pyramid")["labels"] == ["30-34", "25-29", "20-24"]
    open_page(page, (site / "tables" / "1.4N.html").as_uri())
    page.select_option("#f-1", "Y")
    assert chart_state(page, "table")["data"] == [list(sample.NET["Y"])]
