"""Fixtures for storage tests: a real S3-compatible HTTP server on loopback (moto's
threaded server, offline), a small synthetic country, and project files that point at a
local folder or a bucket holding that country's extracts under agency prefixes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from migstats.config import ProjectConfig, load_config
from migstats.storage import LocalStore, S3Store, Store

ACCESS_ENV, SECRET_ENV = "MIGSTATS_S3_ACCESS_KEY", "MIGSTATS_S3_SECRET_KEY"
#: moto accepts any credentials; these are what the tests put in the environment.
CREDENTIALS = {ACCESS_ENV: "test-access", SECRET_ENV: "test-secret"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The URL of an S3-compatible server on 127.0.0.1 (a free port), for the session."""
    pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extracts folder of a tiny synthetic country (scale 0.002, seed 1)."""
    from migstats.synth.generate import generate

    out = tmp_path_factory.mktemp("country")
    generate(out, scale=0.002, seed=1)
    return out / "extracts"


@pytest.fixture
def s3_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def make_bucket(endpoint: str) -> str:
    """A new empty bucket on the server (a fresh one per test keeps tests independent)."""
    import boto3

    name = f"deliveries-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS[ACCESS_ENV],
        aws_secret_access_key=CREDENTIALS[SECRET_ENV],
    )
    client.create_bucket(Bucket=name)
    return name


def s3_store(endpoint: str, bucket: str, prefix: str = "") -> S3Store:
    return S3Store(
        endpoint, bucket, prefix, "us-east-1", CREDENTIALS[ACCESS_ENV], CREDENTIALS[SECRET_ENV]
    )


def upload(extracts: Path, store: Store) -> None:
    """Deliver every file of the extracts folder: one prefix per agency."""
    for path in sorted(extracts.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                store.put(path.relative_to(extracts).as_posix(), fh)


#: A project on a backend: its settings, the store the agencies deliver to, and the
#: extracts folder to compare against.
Project = tuple[ProjectConfig, Store]


@pytest.fixture(params=["local", "s3"])
def project(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    country: Path,
) -> Project:
    """The synthetic country delivered to a local folder or a bucket, and its project
    file; the same tests run on both backends."""
    from migstats.synth.project import write_project_file

    delivered = tmp_path / "deliveries"
    file = write_project_file(tmp_path / "project.yaml", delivered, tmp_path / "workspace")
    data: dict[str, Any] = yaml.safe_load(file.read_text("utf-8"))
    store: Store
    if request.param == "local":
        store = LocalStore(delivered)
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        request.getfixturevalue("s3_credentials")
        bucket = make_bucket(endpoint)
        data["storage"] = {
            "kind": "s3",
            "endpoint_url": endpoint,
            "bucket": bucket,
            "prefix": "2024-q4",
        }
        store = s3_store(endpoint, bucket, "2024-q4")
    file.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    upload(country, store)
    return load_config(file), store


@pytest.fixture
def local_project(tmp_path: Path, country: Path) -> Callable[[], Project]:
    """Build the local variant on demand (for tests that need only one backend)."""

    def build() -> Project:
        from migstats.synth.project import write_project_file

        delivered = tmp_path / "deliveries"
        file = write_project_file(tmp_path / "project.yaml", delivered, tmp_path / "workspace")
        store = LocalStore(delivered)
        upload(country, store)
        return load_config(file), store

    return build
