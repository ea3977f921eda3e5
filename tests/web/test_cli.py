"""``migstats users`` and the settings ``migstats serve`` derives from a project."""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migstats.cli import web as web_cli
from migstats.cli._app import app
from migstats.config import load_config
from migstats.errors import UserInputError
from migstats.web.users import UserStore

runner = CliRunner()
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MIGSTATS_HMAC_KEY", KEY)
    path = tmp_path / "project.yaml"
    path.write_text(
        "project: {name: Maldives, country: MDV, workspace: ws}\n"
        "storage: {kind: local, root: deliveries}\n"
        "period: {start: 2019-01-01, end: 2024-12-31}\n",
        "utf-8",
    )
    return path


def test_users_add_list_remove(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text("a long password for aminath\n")
    args = ["users", "add", "aminath", "--config", str(project), "--password-file", str(secret)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    users_json = tmp_path / "ws" / "secure" / "users.json"
    assert "a long password" not in users_json.read_text()
    assert UserStore(users_json).verify("aminath", "a long password for aminath") is not None
    listed = runner.invoke(app, ["users", "list", "--config", str(project)])
    assert re.search(r"aminath\s+analyst", listed.output)
    removed = runner.invoke(app, ["users", "remove", "aminath", "--config", str(project)])
    assert removed.exit_code == 0 and UserStore(users_json).users() == []


def test_users_add_prompts_for_the_password(project: Path, tmp_path: Path) -> None:
    args = ["users", "add", "hassan", "--role", "admin", "--config", str(project)]
    result = runner.invoke(app, args, input="prompted password 1\nprompted password 1\n")
    assert result.exit_code == 0, result.output
    user = UserStore(tmp_path / "ws/secure/users.json").verify("hassan", "prompted password 1")
    assert user is not None and user.role == "admin"


def test_session_secret_is_derived_from_the_project_key(project: Path) -> None:
    cfg = load_config(project)
    secret = web_cli.session_secret(cfg)
    assert KEY not in secret and len(secret) == 64
    expected = hmac.new(KEY.encode(), web_cli.SESSION_KEY_LABEL, hashlib.sha256).hexdigest()
    assert secret == expected


def test_latest_release_and_settings(project: Path, tmp_path: Path, release: Path) -> None:
    published = tmp_path / "ws" / "published"
    for name in ("v9", "v10", "v2"):
        shutil.copytree(release, published / name)
    (published / "v99-empty").mkdir()  # not a release: no tables
    cfg = load_config(project)
    settings = web_cli.web_settings(cfg)
    assert settings.release_dir == published / "v10"
    assert web_cli.web_settings(cfg, release="v2").release_dir == published / "v2"
    assert settings.users_file == tmp_path / "ws" / "secure" / "users.json"
    assert settings.statistics_dir == tmp_path / "ws" / "statistics"
    assert settings.report_dirs == (tmp_path / "ws" / "reports", tmp_path / "ws" / "linkage")
    assert settings.session_secret.get_secret_value() == web_cli.session_secret(cfg)
    for bad in ("v1", "../v10"):
        with pytest.raises(UserInputError, match="No such release"):
            web_cli.web_settings(cfg, release=bad)


def test_serve_without_a_release_says_so(project: Path) -> None:
    with pytest.raises(UserInputError, match="Nothing published yet"):
        web_cli.web_settings(load_config(project))


def test_ensure_demo_user(tmp_path: Path) -> None:
    user, password = web_cli.ensure_demo_user(tmp_path)
    assert password is not None and user.role == "analyst"
    assert UserStore(web_cli.users_file(tmp_path)).verify(user.name, password) is not None
    again, none = web_cli.ensure_demo_user(tmp_path)
    assert again.name == user.name and none is None
