"""Fixtures of the web tests: the hand-built release and workspace (see ``sample.py``),
the built site, the application, a live server on loopback and one headless Chromium
(Debian's, driven by playwright; never downloaded) per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from migstats.web.app import WebSettings, create_app
from migstats.web.server import serve_in_thread
from migstats.web.site import build_site
from migstats.web.users import UserStore
from tests.web import sample

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample.write_release(tmp_path_factory.mktemp("published") / sample.RELEASE_NAME)


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = sample.write_workspace(tmp_path_factory.mktemp("workspace"))
    UserStore(workspace / "secure" / "users.json").add(sample.ANALYST, sample.PASSWORD)
    return workspace


@pytest.fixture(scope="session")
def site(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(release, tmp_path_factory.mktemp("site") / "site")


def make_settings(release: Path, workspace: Path, site_dir: Path, **extra: Any) -> WebSettings:
    return WebSettings(
        release_dir=release,
        users_file=workspace / "secure" / "users.json",
        session_secret=SecretStr("s" * 48),
        statistics_dir=workspace / "statistics",
        report_dirs=(workspace / "reports", workspace / "linkage"),
        site_dir=site_dir,
        **extra,
    )


@pytest.fixture(scope="session")
def settings(
    release: Path, workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> WebSettings:
    return make_settings(release, workspace, tmp_path_factory.mktemp("served") / "site")


@pytest.fixture(scope="session")
def app(settings: WebSettings) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="session")
def live_server(app: FastAPI) -> Iterator[str]:
    with serve_in_thread(app) as base_url:
        yield base_url


@pytest.fixture
def client(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client of the live server with its own cookies (an anonymous visitor)."""
    with httpx.Client(base_url=live_server, follow_redirects=False) as c:
        yield c


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context and page; fails the test on any script error or refused
    resource (Content-Security-Policy). HTTP error statuses are the tests' business."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"
