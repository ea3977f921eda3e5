"""``migstats serve``: the public site, the tables API and the analysts' secure space.

Public (anyone):

* ``/`` the static migration profile built from the release (:mod:`migstats.web.site`);
* ``GET /api/tables``: the index; ``GET /api/tables/{id}``: the observations as JSON,
  filtered by dimension codes in the query (``?SEX=F&AGE=Y20T24,Y25T29``);
  ``GET /api/tables/{id}.csv``: the same as CSV.

Secure (signed-in ``analyst`` or ``admin``):

* ``/secure/``: the unprotected tables of ``workspace/statistics`` and the quality,
  linkage and coding reports; ``/secure/tables/{id}``: a table's page;
* ``/secure/api/tables[/{id}[.csv]]``: the unprotected tables' API.

Anonymous requests for secure pages are sent to ``/login``; for secure APIs they get
401. Sessions are signed cookies (``SameSite=Strict``, ``HttpOnly``), forms carry a CSRF
token, passwords are checked against argon2 hashes in constant time whether or not the
user exists, failed sign-ins are limited per client address, and every table id in a
URL is looked up in the index, never used as a path.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from migstats.web.pages import Links, render, render_table_page
from migstats.web.release import is_table_id
from migstats.web.security import (
    REPORT_CSP,
    LoginThrottle,
    SecurityHeaders,
    SessionGuard,
    safe_next,
)
from migstats.web.site import DEFAULT_TITLE, build_site, release_label, table_listing
from migstats.web.store import FilterError, PreparedTable, TableStore
from migstats.web.users import ROLES, User, UserStore

__all__ = ["WebSettings", "create_app"]

SESSION_COOKIE: Final = "migstats_session"
REPORT_SUFFIXES: Final = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
_SECURE_BANNER: Final = (
    "Secure space: unprotected figures before disclosure control. "
    "Not for publication or sharing outside the office."
)


class WebSettings(BaseModel):
    """Everything ``create_app`` needs (``migstats serve`` fills it from the project).

    ``release_dir``: a published release (public); ``statistics_dir``: the unprotected
    tables (secure); ``report_dirs``: folders whose HTML, JSON, CSV and text files are
    analysts' reports (top level only); ``users_file``: see :mod:`migstats.web.users`;
    ``session_secret``: signs the session cookies (at least 32 characters);
    ``site_dir``: where the public site is built (a temporary folder if None).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    release_dir: Path
    users_file: Path
    session_secret: SecretStr = Field(min_length=32)
    statistics_dir: Path | None = None
    report_dirs: tuple[Path, ...] = ()
    site_dir: Path | None = None
    build_site: bool = True
    title: str = DEFAULT_TITLE
    #: Send cookies over HTTPS only (set behind a TLS proxy).
    https_only: bool = False
    #: Seconds a session lasts without use, and at most since sign-in.
    session_idle_seconds: int = Field(default=2 * 3600, gt=0)
    session_max_seconds: int = Field(default=12 * 3600, gt=0)
    #: Failed sign-ins allowed per client address within ``login_window_seconds``.
    max_failed_logins: int = Field(default=10, gt=0)
    login_window_seconds: int = Field(default=900, gt=0)


@dataclass(frozen=True)
class _Report:
    folder: str
    name: str
    path: Path
    size: int

    @property
    def href(self) -> str:
        return f"/secure/reports/{quote(self.folder)}/{quote(self.name)}"


def _reports(folders: tuple[Path, ...]) -> list[_Report]:
    """The report files at the top of each report folder (sub-folders are not served:
    review files there may hold personal data)."""
    found, names = [], set()
    for folder in folders:
        label = folder.name
        while label in names:
            label += "_"
        names.add(label)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.is_symlink() and path.suffix in REPORT_SUFFIXES:
                found.append(_Report(label, path.name, path, path.stat().st_size))
    return found


def _filters(request: Request) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        filters.setdefault(key, []).extend(v for v in value.split(",") if v)
    return filters


def _table_response(store: TableStore, name: str, request: Request) -> Response:
    """A table as JSON (``{id}`` or ``{id}.json``) or CSV (``{id}.csv``)."""
    index = store.index()
    fmt, table_id = "json", name
    if name not in index:
        for suffix in (".csv", ".json"):
            if name.endswith(suffix) and name[: -len(suffix)] in index:
                fmt, table_id = suffix[1:], name[: -len(suffix)]
    if not is_table_id(table_id) or table_id not in index:
        return JSONResponse({"detail": "no such table"}, status_code=404)
    prepared = store.get(table_id)
    if prepared is None:
        return JSONResponse({"detail": "no such table"}, status_code=404)
    try:
        rows = prepared.select(_filters(request))
    except FilterError as err:
        return JSONResponse({"detail": str(err)}, status_code=400)
    if fmt == "csv":
        filename = f"{table_id}.csv"
        body = prepared.full_csv if rows is None else prepared.csv_bytes(rows)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'inline; filename="{filename}"'},
        )
    body = prepared.full_json if rows is None else prepared.json_bytes(rows)
    return Response(body, media_type="application/json")


# -- the application ---------------------------------------------------------------------


class _SignInRequiredError(Exception):
    def __init__(self, api: bool) -> None:
        self.api = api


def create_app(settings: WebSettings) -> FastAPI:
    """The web application for a release, its secure space and its users."""
    site_dir = settings.site_dir or Path(tempfile.mkdtemp(prefix="migstats-site-"))
    if settings.build_site or not (site_dir / "index.html").is_file():
        build_site(settings.release_dir, site_dir, title=settings.title)
    public = TableStore(settings.release_dir, public=True, required=True)
    secure = TableStore(settings.statistics_dir, public=False)
    users = UserStore(settings.users_file)
    throttle = LoginThrottle(settings.max_failed_logins, settings.login_window_seconds)
    sessions = SessionGuard(users, settings.session_max_seconds)
    release = release_label(settings.release_dir)
    title = settings.title

    app = FastAPI(
        title="migstats",
        docs_url=None,  # the interactive docs load scripts from a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.site_dir = site_dir
    app.state.public_store = public
    app.state.secure_store = secure
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_idle_seconds,
        same_site="strict",
        https_only=settings.https_only,
    )
    app.add_middleware(SecurityHeaders)

    def analyst(request: Request, *, api: bool) -> User:
        user = sessions.user(request)
        if user is None:
            raise _SignInRequiredError(api)
        return user

    @app.exception_handler(_SignInRequiredError)
    async def _not_signed_in(request: Request, exc: _SignInRequiredError) -> Response:
        if exc.api:
            return JSONResponse({"detail": "sign in required"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    secure_links = Links(
        root="/",
        nav=(("/secure/", "Secure space"), ("/", "Public site")),
        banner=_SECURE_BANNER,
    )
    public_links = Links(root="/")

    # -- public API ------------------------------------------------------------------

    @app.get("/api/tables")
    async def public_index() -> Response:
        return Response(public.index_json(), media_type="application/json")

    @app.get("/api/tables/{name}")
    async def public_table(name: str, request: Request) -> Response:
        return _table_response(public, name, request)

    # -- sign in and out -------------------------------------------------------------

    def login_page(request: Request, error: str = "", status: int = 200) -> HTMLResponse:
        html = render(
            "login.html",
            public_links,
            site_title=title,
            release=release,
            page_kind="login",
            error=error,
            csrf_token=sessions.csrf_token(request),
            next=safe_next(request.query_params.get("next")),
            scripts=[],
        )
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})

    @app.get("/login")
    def login_form(request: Request) -> Response:
        if sessions.user(request) is not None:
            return RedirectResponse(safe_next(request.query_params.get("next")), 303)
        return login_page(request)

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        client = request.client.host if request.client else "unknown"
        if not sessions.csrf_ok(request, form.get("csrf_token")):
            return login_page(request, "The form expired; please sign in again.", 400)
        if throttle.blocked(client):
            return login_page(request, "Too many failed sign-ins: wait and try again.", 429)
        name, password = form.get("username"), form.get("password")
        user = None
        if isinstance(name, str) and isinstance(password, str) and len(password) <= 1024:
            user = await run_in_threadpool(users.verify, name, password)
        if user is None or user.role not in ROLES:
            throttle.fail(client)
            return login_page(request, "Wrong user name or password.", 401)
        sessions.sign_in(request, user)
        target = form.get("next")
        return RedirectResponse(safe_next(target if isinstance(target, str) else None), 303)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        form = await request.form()
        if not sessions.csrf_ok(request, form.get("csrf_token")):
            return JSONResponse({"detail": "invalid form"}, status_code=400)
        sessions.sign_out(request)
        return RedirectResponse("/", status_code=303)

    # -- secure space ----------------------------------------------------------------

    @app.get("/secure")
    async def secure_root() -> Response:
        return RedirectResponse("/secure/", status_code=307)

    @app.get("/secure/")
    def dashboard(request: Request) -> Response:
        user = analyst(request, api=False)
        html = render(
            "secure.html",
            secure_links,
            site_title=title,
            release=release,
            page_kind="secure",
            heading="Secure space",
            intro=(
                "Unprotected tables (before disclosure control) and the quality, linkage "
                "and coding reports."
            ),
            chapters=table_listing(secure.tables(), "/secure/tables/{id}"),
            reports=_reports(settings.report_dirs),
            csrf_token=sessions.csrf_token(request),
            user=user,
            scripts=[],
        )
        return HTMLResponse(html)

    def secure_table(table_id: str) -> PreparedTable | None:
        return secure.get(table_id) if is_table_id(table_id) else None

    @app.get("/secure/tables/{table_id}")
    def secure_table_page(table_id: str, request: Request) -> Response:
        analyst(request, api=False)
        prepared = secure_table(table_id)
        if prepared is None:
            return HTMLResponse("<h1>No such table</h1>", status_code=404)
        html = render_table_page(
            prepared.table,
            secure_links,
            site_title=title,
            release=release,
            data_src=f"/secure/data/table-{quote(table_id)}.js",
            downloads=(),
            api=(
                ("CSV (unprotected)", f"/secure/api/tables/{quote(table_id)}.csv"),
                ("JSON (unprotected)", f"/secure/api/tables/{quote(table_id)}"),
            ),
        )
        return HTMLResponse(html)

    @app.get("/secure/data/{name}")
    def secure_table_data(name: str, request: Request) -> Response:
        analyst(request, api=True)
        prefix, suffix = "table-", ".js"
        if not (name.startswith(prefix) and name.endswith(suffix)):
            return JSONResponse({"detail": "not found"}, status_code=404)
        prepared = secure_table(name[len(prefix) : -len(suffix)])
        if prepared is None:
            return JSONResponse({"detail": "not found"}, status_code=404)
        return Response(prepared.page_script, media_type="text/javascript; charset=utf-8")

    @app.get("/secure/api/tables")
    async def secure_index(request: Request) -> Response:
        analyst(request, api=True)
        return Response(secure.index_json(), media_type="application/json")

    @app.get("/secure/api/tables/{name}")
    async def secure_table_api(name: str, request: Request) -> Response:
        analyst(request, api=True)
        return _table_response(secure, name, request)

    @app.get("/secure/reports/{folder}/{name}")
    def report(folder: str, name: str, request: Request) -> Response:
        analyst(request, api=False)
        for r in _reports(settings.report_dirs):
            if r.folder == folder and r.name == name:
                return Response(
                    r.path.read_bytes(),
                    media_type=REPORT_SUFFIXES[r.path.suffix],
                    headers={"content-security-policy": REPORT_CSP},
                )
        return JSONResponse({"detail": "no such report"}, status_code=404)

    @app.api_route("/secure/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def secure_other(rest: str, request: Request) -> Response:
        analyst(request, api=rest.startswith("api/"))
        return JSONResponse({"detail": "not found"}, status_code=404)

    public.warm()
    app.mount("/", StaticFiles(directory=site_dir, html=True), name="site")
    return app
