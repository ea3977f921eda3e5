"""``migstats serve`` and ``migstats users``: the public site, the API and the analysts'
secure space, and who may sign in to it.

Where things are, under the project's workspace:

* ``published/<release>/``: the releases; ``serve`` shows the latest (by name, so
  ``2025-06`` after ``2024-12`` and ``v10`` after ``v9``) unless ``--release`` names one;
* ``statistics/``: the unprotected tables, and ``reports/`` and ``linkage/``: the
  quality, coding and linkage reports, all for the secure space only;
* ``secure/users.json``: the users (argon2 hashes, never passwords);
* ``web/site/``: the public site, rebuilt from the release at each start.

The session cookies are signed with a key derived from the project's pseudonymisation
key (HMAC with a label of its own), so no further secret needs managing and the key
itself never signs anything but pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from migstats.cli._app import app, console
from migstats.config import ProjectConfig, load_config
from migstats.errors import UserInputError
from migstats.web.users import ROLES, User, UserStore

if TYPE_CHECKING:  # the web stack is imported when a command needs it
    from migstats.web.app import WebSettings

__all__ = [
    "ensure_demo_user",
    "latest_release",
    "session_secret",
    "users_file",
    "web_settings",
]

#: Domain separation: the session key is HMAC(project key, this label).
SESSION_KEY_LABEL: Final = b"migstats/web/session-cookie/v1"

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The project file.")]

users_app = typer.Typer(help="Users of the secure space: add, list, remove.", no_args_is_help=True)
app.add_typer(users_app, name="users")


def session_secret(cfg: ProjectConfig) -> str:
    """The key that signs session cookies, derived from the project's HMAC key."""
    return hmac.new(cfg.hmac_key(), SESSION_KEY_LABEL, hashlib.sha256).hexdigest()


def users_file(workspace: Path) -> Path:
    """The users file of a workspace."""
    return workspace / "secure" / "users.json"


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text) if p)


def latest_release(workspace: Path, name: str | None = None) -> Path:
    """The release folder to serve: ``name`` if given, else the last by name."""
    published = workspace / "published"

    def is_release(folder: Path) -> bool:
        return (folder / "tables" / "tables.json").is_file() or (folder / "tables.json").is_file()

    if name is not None:
        folder = published / name
        if Path(name).name != name or not is_release(folder):
            raise UserInputError(
                "No such release", str(folder), "pass the name of a folder in published/"
            )
        return folder
    releases = (
        sorted(
            (f for f in published.iterdir() if f.is_dir() and is_release(f)),
            key=lambda f: _natural(f.name),
        )
        if published.is_dir()
        else []
    )
    if not releases:
        raise UserInputError(
            "Nothing published yet",
            f"{published} holds no release with tables",
            "publish a release first (disclosure control, then publication)",
        )
    return releases[-1]


def web_settings(
    cfg: ProjectConfig,
    *,
    release: str | None = None,
    https_only: bool = False,
) -> WebSettings:
    """The web application's settings for a project (see the module's docstring)."""
    from pydantic import SecretStr

    from migstats.web.app import WebSettings

    workspace = cfg.workspace
    return WebSettings(
        release_dir=latest_release(workspace, release),
        users_file=users_file(workspace),
        session_secret=SecretStr(session_secret(cfg)),
        statistics_dir=workspace / "statistics",
        report_dirs=(workspace / "reports", workspace / "linkage"),
        site_dir=workspace / "web" / "site",
        title=f"{cfg.project.name}: international migration statistics",
        https_only=https_only,
    )


def ensure_demo_user(
    workspace: Path, name: str = "analyst", role: str = "analyst"
) -> tuple[User, str | None]:
    """Make sure a demo user exists; returns it with its new password (None if the user
    already existed: passwords cannot be read back)."""
    store = UserStore(users_file(workspace))
    existing = store.get(name)
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(12)
    return store.add(name, password, role), password


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    config: ConfigOption,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    release: Annotated[
        str | None, typer.Option(help="Release folder name in published/ (default: latest).")
    ] = None,
    secure_cookies: Annotated[
        bool,
        typer.Option(help="Send session cookies over HTTPS only (behind a TLS proxy)."),
    ] = False,
) -> None:
    """Serve the public migration profile, the tables API (/api/tables) and the
    analysts' secure space (/secure/, sign-in required)."""
    from migstats.web.app import create_app
    from migstats.web.server import serve as run_server

    cfg = load_config(config)
    settings = web_settings(cfg, release=release, https_only=secure_cookies)
    if not _is_loopback(host) and not secure_cookies:
        console.print(
            "[yellow]warning:[/] listening beyond this machine without --secure-cookies: "
            "put the server behind HTTPS and pass --secure-cookies."
        )
    console.print(f"Building the site of release [bold]{settings.release_dir.name}[/] ...")
    application = create_app(settings)
    count = len(UserStore(settings.users_file).users())
    console.print(f"Public site and API: http://{host}:{port}/  (tables: /api/tables)")
    console.print(
        f"Secure space: http://{host}:{port}/secure/  ({count} user(s); "
        "add one with `migstats users add NAME --config ...`)"
    )
    run_server(application, host=host, port=port)


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        try:
            lines = password_file.read_text("utf-8").splitlines()
        except OSError as err:
            raise UserInputError("Cannot read the password file", str(err), "") from None
        if not lines or not lines[0]:
            raise UserInputError("Empty password file", str(password_file), "")
        return lines[0]
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (lower-case letters, digits, . _ -).")],
    config: ConfigOption,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "analyst",
    password_file: Annotated[
        Path | None, typer.Option(help="Read the password from the first line of this file.")
    ] = None,
    replace: Annotated[bool, typer.Option(help="Set a new password or role.")] = False,
) -> None:
    """Add a user of the secure space (the password is stored as an argon2 hash)."""
    cfg = load_config(config)
    store = UserStore(users_file(cfg.workspace))
    user = store.add(name, _read_password(password_file), role, replace=replace)
    console.print(f"User [bold]{user.name}[/] ({user.role}) saved in {store.path}")


@users_app.command("list")
def users_list(config: ConfigOption) -> None:
    """List the users of the secure space."""
    cfg = load_config(config)
    for user in UserStore(users_file(cfg.workspace)).users():
        console.print(f"{user.name:<24} {user.role}")


@users_app.command("remove")
def users_remove(
    name: Annotated[str, typer.Argument(help="User name.")], config: ConfigOption
) -> None:
    """Remove a user of the secure space (their sessions end at their next request)."""
    cfg = load_config(config)
    if not UserStore(users_file(cfg.workspace)).remove(name):
        raise UserInputError("No such user", name, "see `migstats users list`")
    console.print(f"User [bold]{name}[/] removed")
