"""The project file: one YAML validated up front into typed, frozen settings.

Every problem in a project file is reported at once, each naming its key and the fix.
Paths in the file are relative to the file's folder.

>>> cfg = ProjectConfig.model_validate({
...     "project": {"name": "Test", "country": "MDV", "workspace": "ws"},
...     "storage": {"kind": "local", "root": "deliveries"},
...     "period": {"start": "2019-01-01", "end": "2024-12-31"},
...     "sources": [],
... })
>>> cfg.residence_rule.window_days, cfg.quality.strictness
(487, 'raise')
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from migstats.disclosure.rules import DisclosureSection
from migstats.errors import UserInputError

SourceKind = Literal[
    "border_crossing", "visa_permit", "work_permit", "census_person", "register_person"
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProjectSection(_Frozen):
    """Who the statistics are for and where the project keeps its zones."""

    name: str
    #: ISO alpha-3 code of the reporting country.
    country: str = Field(pattern=r"^[A-Z]{3}$")
    #: Folder for zones (landing, clean, quarantine, harmonised), reports and the database.
    workspace: Path = Path("workspace")


class StorageSection(_Frozen):
    """Where agencies deliver: a local folder or an S3-compatible bucket (MinIO)."""

    kind: Literal["local", "s3"] = "local"
    #: Local: the folder holding one subfolder (prefix) per agency.
    root: Path | None = None
    #: S3: endpoint of the S3-compatible server (e.g. http://minio.mbs.local:9000).
    endpoint_url: str | None = None
    bucket: str | None = None
    #: Optional key prefix inside the bucket under which the agency prefixes sit.
    prefix: str = ""
    region: str = "us-east-1"
    #: Names of the environment variables holding the credentials (never the secrets).
    access_key_env: str = "MIGSTATS_S3_ACCESS_KEY"
    secret_key_env: str = "MIGSTATS_S3_SECRET_KEY"

    @model_validator(mode="after")
    def _complete(self) -> StorageSection:
        if self.kind == "local" and self.root is None:
            raise ValueError("storage.root is required when storage.kind is local")
        if self.kind == "s3" and (not self.endpoint_url or not self.bucket):
            raise ValueError("storage.endpoint_url and storage.bucket are required for s3")
        return self


class SecuritySection(_Frozen):
    """Where the pseudonymisation key lives: outside the data, never in the repository."""

    hmac_key_env: str = "MIGSTATS_HMAC_KEY"
    hmac_key_file: Path | None = None


class PeriodSection(_Frozen):
    """The reference period of the statistics and the census night."""

    start: date
    end: date
    census_night: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PeriodSection:
        if self.end < self.start:
            raise ValueError("period.end must not be before period.start")
        return self


class ResidenceRuleSection(_Frozen):
    """The outcomes-based rule: window W and threshold T in days (12/16 by default)."""

    window_days: int = Field(default=487, gt=0)
    threshold_days: int = Field(default=365, gt=0)

    @model_validator(mode="after")
    def _threshold(self) -> ResidenceRuleSection:
        if self.threshold_days > self.window_days:
            raise ValueError("residence_rule.threshold_days must not exceed window_days")
        return self


class QualitySection(_Frozen):
    """How strict validation is.

    ``raise``: a source with more than ``max_quarantine_share`` of its rows quarantined
    (or any error-level rule failing) is invalid and ``migstats validate`` exits non-zero;
    ``warn``: report and go on; ``ignore``: report only.
    """

    strictness: Literal["ignore", "warn", "raise"] = "raise"
    max_quarantine_share: float = Field(default=0.01, ge=0, le=1)
    examples_per_rule: int = Field(default=5, ge=0, le=100)


class PublicationSection(_Frozen):
    """A release: its name and the date its files carry (so re-runs give the same bytes).

    ``release`` defaults to ``<period end year>.1``, ``prepared`` to the period's end;
    ``agency`` is the SDMX maintenance agency (default derived from the country).
    """

    release: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    prepared: date | None = None
    agency: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]*$")
    title: str = "International migration statistics"


class SourceSection(_Frozen):
    """One agency extract: where it is, how to read it, and how it maps to a canonical
    table (``columns``: canonical column -> column in the extract)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: SourceKind
    agency: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    #: Path of the file under the storage root (local) or bucket prefix (S3).
    path: str
    format: Literal["csv", "xlsx", "parquet"]
    #: The agency's data dictionary (frictionless Table Schema), under the storage root.
    dictionary: str | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    #: Value recodings by canonical column, e.g. direction: {IN: ARR, OUT: DEP}.
    codes: dict[str, dict[str, str]] = Field(default_factory=dict)


class ProjectConfig(_Frozen):
    """A whole project file (see ``migstats init`` for a commented example)."""

    project: ProjectSection
    storage: StorageSection
    security: SecuritySection = SecuritySection()
    period: PeriodSection
    residence_rule: ResidenceRuleSection = ResidenceRuleSection()
    quality: QualitySection = QualitySection()
    disclosure: DisclosureSection = DisclosureSection()
    publication: PublicationSection = PublicationSection()
    sources: tuple[SourceSection, ...] = ()
    #: The folder of the project file; relative paths are resolved against it.
    base_dir: Path = Path()

    @model_validator(mode="after")
    def _unique_sources(self) -> ProjectConfig:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"sources: names must be unique, repeated: {', '.join(dupes)}")
        return self

    def resolve(self, path: Path | str) -> Path:
        """A path from the file, made absolute against the file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def workspace(self) -> Path:
        return self.resolve(self.project.workspace)

    @property
    def release(self) -> str:
        """The release's name (``publication.release`` or ``<period end year>.1``)."""
        return self.publication.release or f"{self.period.end.year}.1"

    @property
    def prepared(self) -> date:
        """The date a release's files carry (``publication.prepared`` or the period end)."""
        return self.publication.prepared or self.period.end

    def source(self, name: str) -> SourceSection:
        """The source called ``name`` (error naming the known ones otherwise)."""
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise UserInputError(f"Unknown source {name!r}", f"the project has {known}", "")

    def hmac_key(self) -> bytes:
        """The pseudonymisation key, from the configured file or environment variable."""
        sec = self.security
        if sec.hmac_key_file is not None:
            path = self.resolve(sec.hmac_key_file)
            if not path.is_file():
                raise UserInputError(
                    "Pseudonymisation key file not found",
                    str(path),
                    "create it (e.g. `openssl rand -hex 32 > FILE`) or set security.hmac_key_env",
                )
            return path.read_bytes().strip()
        value = os.environ.get(sec.hmac_key_env)
        if not value:
            raise UserInputError(
                "No pseudonymisation key",
                f"environment variable {sec.hmac_key_env} is not set",
                f"export {sec.hmac_key_env}=<a long random secret> (keep it outside the data)",
            )
        return value.encode()


class _Yaml12Loader(yaml.SafeLoader):
    """YAML with YAML 1.2 booleans: only true/false. Under YAML 1.1 a column called NO,
    Y or OFF would silently become a boolean."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _describe(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  - {key}: {e['msg']}")
    return "\n" + "\n".join(lines)


def load_config(path: Path) -> ProjectConfig:
    """Read and validate a project file; every problem is reported together."""
    if not path.is_file():
        raise UserInputError(
            "Project file not found", str(path), "run `migstats init PATH` to write a starter file"
        )
    try:
        data: Any = yaml.load(path.read_text("utf-8"), Loader=_Yaml12Loader)
    except yaml.YAMLError as err:
        raise UserInputError(f"{path} is not valid YAML", str(err), "fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise UserInputError(f"{path} is not a project file", "it holds no mapping", "")
    try:
        return ProjectConfig.model_validate({**data, "base_dir": path.resolve().parent})
    except ValidationError as err:
        raise UserInputError(
            f"{path} has {err.error_count()} problem(s)",
            _describe(err),
            "correct the keys above (`migstats init` writes a commented example)",
        ) from None
