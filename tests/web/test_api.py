"""The public API and the secure space over real HTTP (uvicorn on loopback): values equal
the release's, filters, unknown tables, traversal attempts, and who may see what."""

from __future__ import annotations

import csv
import io
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from migstats.web.app import create_app
from migstats.web.server import serve_in_thread
from migstats.web.users import UserStore
from tests.web import sample
from tests.web.conftest import make_settings


def sign_in(
    client: httpx.Client,
    username: str = sample.ANALYST,
    password: str = sample.PASSWORD,
    next_page: str = "/secure/",
) -> httpx.Response:
    form = client.get("/login")
    assert form.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match
    data = {"csrf_token": match[1], "username": username, "password": password}
    return client.post("/login", data={**data, "next": next_page})


def raw_get(base_url: str, path: str) -> tuple[int, bytes]:
    """GET a path exactly as written (clients normalise ``..``; attackers do not)."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    return int(response.split(b" ", 2)[1]), response


# -- public API --------------------------------------------------------------------------


def test_index_lists_the_published_tables(client: httpx.Client) -> None:
    index = client.get("/api/tables").json()
    assert [t["id"] for t in index["tables"]] == ["1.1", "1.2", "1.3", "1.4N", "7.1"]
    first = index["tables"][0]
    assert first["dimensions"] == ["REF_DATE", "MEASURE", "SEX", "AGE", "CITIZENSHIP", "ATOLL"]


def test_table_json_values_equal_the_release(client: httpx.Client) -> None:
    body = client.get("/api/tables/1.2").json()
    assert body["id"] == "1.2" and body["unit"] == "persons"
    assert body["count"] == 9
    values = {(o["TIME_PERIOD"], o["SEX"]): o["OBS_VALUE"] for o in body["observations"]}
    for sex, series in sample.IMMIGRANTS.items():
        for year, value in zip(sample.YEARS, series, strict=True):
            assert values[(year, sex)] == value
    statuses = {o["TIME_PERIOD"]: o["OBS_STATUS"] for o in body["observations"]}
    assert statuses == {"2021": "A", "2022": "A", "2023": "P"}


def test_filters(client: httpx.Client) -> None:
    one = client.get("/api/tables/1.2", params={"SEX": "F", "TIME_PERIOD": "2022"}).json()
    assert [o["OBS_VALUE"] for o in one["observations"]] == [sample.IMMIGRANTS["F"][1]]
    several = client.get("/api/tables/1.2?SEX=F,M&TIME_PERIOD=2021").json()
    assert sorted(o["OBS_VALUE"] for o in several["observations"]) == [60.0, 150.0]
    repeated = client.get("/api/tables/1.2?SEX=F&SEX=M&TIME_PERIOD=2021").json()
    assert repeated["observations"] == several["observations"]
    nothing = client.get("/api/tables/1.2?SEX=X").json()
    assert nothing["count"] == 0 and nothing["observations"] == []
    wrong = client.get("/api/tables/1.2?COLOUR=red")
    assert wrong.status_code == 400
    assert "TIME_PERIOD, SEX" in wrong.json()["detail"]


def test_csv_equals_the_json(client: httpx.Client) -> None:
    response = client.get("/api/tables/1.4N.csv", params={"CITIZEN": "_T"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["TIME_PERIOD"], float(r["OBS_VALUE"])) for r in rows] == list(
        zip(sample.YEARS, sample.NET["_T"], strict=True)
    )
    assert list(rows[0]) == ["TIME_PERIOD", "CITIZEN", "OBS_VALUE", "OBS_STATUS", "CONF_STATUS"]
    as_json = client.get("/api/tables/1.4N.json?CITIZEN=_T").json()
    assert [o["OBS_VALUE"] for o in as_json["observations"]] == [
        float(r["OBS_VALUE"]) for r in rows
    ]


def test_suppressed_cells_are_null_in_the_public_api(client: httpx.Client) -> None:
    body = client.get("/api/tables/1.1", params={"MEASURE": "FOREIGN_CITIZENS", "SEX": "F"})
    cells = {o["AGE"]: o for o in body.json()["observations"]}
    assert cells["Y20T24"]["OBS_VALUE"] == 28.0
    for (_, _, age), (conf, _) in sample.SUPPRESSED.items():
        assert cells[age]["OBS_VALUE"] is None
        assert cells[age]["CONF_STATUS"] == conf
    text = client.get("/api/tables/1.1.csv?MEASURE=FOREIGN_CITIZENS&SEX=F&AGE=Y25T29").text
    assert text.splitlines()[1].split(",")[6] == ""  # OBS_VALUE empty, not 50


@pytest.mark.parametrize("name", ["9.9", "1.9", "tables", "1.1.parquet", "1.1.xlsx", ".."])
def test_unknown_tables_are_404(client: httpx.Client, name: str) -> None:
    assert client.get(f"/api/tables/{name}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/tables/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/tables/../../../../etc/passwd",
        "/api/tables/%2e%2e%2fstatistics%2f9.9",
        "/api/tables/..%2Fstatistics%2Ftables.json",
        "/api/tables/1.1%00.csv",
        "/downloads/../../../../etc/passwd",
        "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/secure/reports/linkage/..%2F..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_traversal_attempts_are_rejected(live_server: str, path: str) -> None:
    status, response = raw_get(live_server, path)
    assert status in (303, 400, 401, 404), response[:200]
    assert b"root:" not in response
    assert b"Unprotected small counts" not in response


def test_public_side_never_reaches_the_unprotected_folder(
    client: httpx.Client, workspace: Path
) -> None:
    assert client.get("/api/tables/9.9").status_code == 404
    assert "9.9" not in client.get("/api/tables").text
    index = client.get("/").text
    assert "Unprotected" not in index
    # the unprotected value of a suppressed cell is not served publicly
    public = client.get("/api/tables/1.1?MEASURE=FOREIGN_CITIZENS&SEX=F&AGE=Y30T34").json()
    assert public["observations"][0]["OBS_VALUE"] is None
    assert client.get("/statistics/tables.json").status_code == 404
    assert client.get("/tables/tables.json").status_code == 404


# -- the secure space ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/secure/", "/secure/tables/1.1", "/secure/reports/reports/quality.html"]
)
def test_anonymous_secure_pages_go_to_login(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "path",
    [
        "/secure/api/tables",
        "/secure/api/tables/1.1",
        "/secure/api/tables/9.9.csv",
        "/secure/data/table-1.1.js",
        "/secure/api/anything",
    ],
)
def test_anonymous_secure_apis_get_401(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert "OBS_VALUE" not in response.text


def test_login_sets_a_session_and_opens_the_secure_space(client: httpx.Client) -> None:
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/secure/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert sample.PASSWORD.lower() not in cookie
    dashboard = client.get("/secure/")
    assert dashboard.status_code == 200
    assert "Unprotected small counts" in dashboard.text  # 9.9 listed
    assert 'href="/secure/reports/reports/quality.html"' in dashboard.text
    assert 'href="/secure/reports/linkage/report.json"' in dashboard.text
    assert "border_dedup" not in dashboard.text  # review files are not reports
    assert dashboard.headers["cache-control"] == "no-store"
    unprotected = client.get("/secure/api/tables/1.1?MEASURE=FOREIGN_CITIZENS&SEX=F").json()
    cells = {o["AGE"]: o["OBS_VALUE"] for o in unprotected["observations"]}
    assert cells == dict(zip(sample.AGES, sample.PYRAMID[("FOREIGN_CITIZENS", "F")], strict=True))
    assert client.get("/secure/api/tables/9.9.csv").text.splitlines()[1] == "F,2,A"
    page = client.get("/secure/tables/9.9")
    assert page.status_code == 200 and 'src="/secure/data/table-9.9.js"' in page.text
    assert client.get("/secure/data/table-9.9.js").status_code == 200
    report = client.get("/secure/reports/reports/quality.html")
    assert report.status_code == 200 and "Quality report" in report.text
    assert report.headers["content-security-policy"].startswith("sandbox")
    assert client.get("/secure/reports/linkage/report.json").json() == {"persons": 1234}
    assert client.get("/secure/reports/linkage/border_dedup.csv").status_code == 404
    assert client.get("/secure/tables/..%2F9.9").status_code == 404


def test_wrong_password_is_refused_without_saying_why(client: httpx.Client) -> None:
    wrong = sign_in(client, password="not the password at all")
    unknown = sign_in(client, username="nobody", password="not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong user name or password." in response.text
    assert wrong.text == unknown.text  # nothing tells a wrong name from a wrong password
    assert client.get("/secure/").status_code == 303


def test_login_without_the_form_token_is_refused(client: httpx.Client) -> None:
    client.get("/login")
    data = {"username": sample.ANALYST, "password": sample.PASSWORD, "next": "/secure/"}
    assert client.post("/login", data=data).status_code == 400
    forged = {**data, "csrf_token": "forged"}
    assert client.post("/login", data=forged).status_code == 400
    assert client.get("/secure/").status_code == 303


def test_login_from_another_site_is_refused(client: httpx.Client) -> None:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    data = {"csrf_token": token[1], "username": sample.ANALYST, "password": sample.PASSWORD}
    response = client.post("/login", data=data, headers={"origin": "https://evil.example"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/secure/", "/\\evil.example", "/public"]
)
def test_no_open_redirect_after_login(client: httpx.Client, target: str) -> None:
    response = sign_in(client, next_page=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/secure/"


def test_next_page_is_kept_through_login(client: httpx.Client) -> None:
    first = client.get("/secure/tables/1.1")
    assert first.headers["location"] == "/login?next=/secure/tables/1.1"
    assert sign_in(client, next_page="/secure/tables/1.1").headers["location"] == (
        "/secure/tables/1.1"
    )


def test_tampered_session_cookie_is_refused(client: httpx.Client, live_server: str) -> None:
    sign_in(client)
    cookie = client.cookies["migstats_session"]
    payload, rest = cookie.split(".", 1)
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest
    with httpx.Client(base_url=live_server, cookies={"migstats_session": forged}) as other:
        assert other.get("/secure/api/tables").status_code == 401


def test_logout_ends_the_session_even_for_a_copied_cookie(
    client: httpx.Client, live_server: str
) -> None:
    sign_in(client)
    cookie = client.cookies["migstats_session"]
    dashboard = client.get("/secure/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', dashboard)
    assert token
    response = client.post("/logout", data={"csrf_token": token[1]})
    assert response.status_code == 303
    assert client.get("/secure/api/tables").status_code == 401
    with httpx.Client(base_url=live_server, cookies={"migstats_session": cookie}) as copy:
        assert copy.get("/secure/api/tables").status_code == 401


def test_removing_a_user_ends_their_sessions(client: httpx.Client, workspace: Path) -> None:
    store = UserStore(workspace / "secure" / "users.json")
    store.add("bob", "another long password", "analyst")
    assert sign_in(client, username="bob", password="another long password").status_code == 303
    assert client.get("/secure/api/tables").status_code == 200
    store.remove("bob")
    assert client.get("/secure/api/tables").status_code == 401


def test_a_restarted_server_asks_to_sign_in_again(
    client: httpx.Client, release: Path, workspace: Path, tmp_path: Path
) -> None:
    sign_in(client)
    cookie = client.cookies["migstats_session"]
    settings = make_settings(release, workspace, tmp_path / "site")  # same session key
    with (
        serve_in_thread(create_app(settings)) as base_url,
        httpx.Client(base_url=base_url, cookies={"migstats_session": cookie}) as restarted,
    ):
        assert restarted.get("/secure/api/tables").status_code == 401


def test_security_headers(client: httpx.Client) -> None:
    response = client.get("/index.html")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert client.get("/docs").status_code == 404  # the docs page would load a CDN


def test_failed_logins_are_limited(release: Path, workspace: Path, tmp_path: Path) -> None:
    settings = make_settings(release, workspace, tmp_path / "site", max_failed_logins=2)
    with (
        serve_in_thread(create_app(settings)) as base_url,
        httpx.Client(base_url=base_url) as client,
    ):
        assert sign_in(client, password="wrong password 1").status_code == 401
        assert sign_in(client, password="wrong password 2").status_code == 401
        # even the right password waits now
        assert sign_in(client).status_code == 429
