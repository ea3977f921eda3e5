"""Bucket policies: each agency may write only under its own prefix, the statistics
office reads everything and writes nothing. Checked on the documents' structure and by
evaluating them with a small model of S3's rules (explicit deny wins, then allow)."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from migstats.config import ProjectConfig
from migstats.errors import UserInputError
from migstats.storage.policy import (
    agency_policy,
    bucket_policy,
    deployment_policies,
    reader_policy,
)

BUCKET, PREFIX = "deliveries", "2024"
AGENCIES = ("immigration", "xpat", "nrd")
ARN = {a: f"arn:aws:iam::111122223333:user/{a}" for a in AGENCIES}
NSO = "arn:aws:iam::111122223333:user/nso-reader"


def _listify(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _allowed(
    doc: dict[str, Any], action: str, resource: str, principal: str | None = None, **ctx: str
) -> bool:
    """S3's evaluation in brief: an explicit Deny wins, otherwise an Allow is needed."""
    allowed = False
    for s in doc["Statement"]:
        if principal and principal not in s.get("Principal", {}).get("AWS", []):
            continue
        if not any(fnmatch.fnmatchcase(action, a) for a in _listify(s["Action"])):
            continue
        if "Resource" in s:
            hit = any(fnmatch.fnmatchcase(resource, r) for r in _listify(s["Resource"]))
        else:
            hit = not any(fnmatch.fnmatchcase(resource, r) for r in _listify(s["NotResource"]))
        for key, patterns in s.get("Condition", {}).get("StringLike", {}).items():
            value = ctx.get(key.split(":")[1])
            hit = hit and value is not None and any(fnmatch.fnmatchcase(value, p) for p in patterns)
        if hit and s["Effect"] == "Deny":
            return False
        allowed = allowed or hit
    return allowed


def _obj(key: str) -> str:
    return f"arn:aws:s3:::{BUCKET}/{key}"


def test_documents_are_well_formed() -> None:
    docs = [agency_policy(BUCKET, "xpat", PREFIX), reader_policy(BUCKET, PREFIX)]
    docs.append(bucket_policy(BUCKET, {a: ARN[a] for a in AGENCIES}, NSO, PREFIX))
    for doc in docs:
        assert json.loads(json.dumps(doc)) == doc
        assert doc["Version"] == "2012-10-17"
        sids = [s["Sid"] for s in doc["Statement"]]
        assert len(sids) == len(set(sids))
        for s in doc["Statement"]:
            assert s["Effect"] in {"Allow", "Deny"}
            assert all(a.startswith("s3:") for a in s["Action"])
            for r in s.get("Resource", []) + s.get("NotResource", []):
                assert r.startswith(f"arn:aws:s3:::{BUCKET}")


@pytest.mark.parametrize("agency", AGENCIES)
def test_each_agency_writes_only_its_own_prefix(agency: str) -> None:
    identity = agency_policy(BUCKET, agency, PREFIX)
    resource = bucket_policy(BUCKET, ARN, NSO, PREFIX)
    for doc, who in [(identity, None), (resource, ARN[agency])]:
        assert _allowed(doc, "s3:PutObject", _obj(f"2024/{agency}/x.csv"), who)
        for other in AGENCIES:
            if other != agency:
                assert not _allowed(doc, "s3:PutObject", _obj(f"2024/{other}/x.csv"), who)
                assert not _allowed(doc, "s3:GetObject", _obj(f"2024/{other}/x.csv"), who)
        assert not _allowed(doc, "s3:PutObject", _obj(f"{agency}/x.csv"), who)  # no prefix
        assert not _allowed(doc, "s3:PutObject", _obj("2024/index.json"), who)
        assert not _allowed(doc, "s3:DeleteObject", _obj(f"2024/{agency}/x.csv"), who)
        bucket = f"arn:aws:s3:::{BUCKET}"
        assert _allowed(doc, "s3:ListBucket", bucket, who, prefix=f"2024/{agency}/")
        assert not _allowed(doc, "s3:ListBucket", bucket, who, prefix="2024/nrd-x/")
        assert not _allowed(doc, "s3:ListBucket", bucket, who)  # the whole bucket


def test_the_statistics_office_reads_everything_and_writes_nothing() -> None:
    for doc, who in [
        (reader_policy(BUCKET, PREFIX), None),
        (bucket_policy(BUCKET, ARN, NSO, PREFIX), NSO),
    ]:
        for agency in AGENCIES:
            assert _allowed(doc, "s3:GetObject", _obj(f"2024/{agency}/x.csv"), who)
            assert not _allowed(doc, "s3:PutObject", _obj(f"2024/{agency}/x.csv"), who)
        assert _allowed(doc, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", who, prefix="2024/")


def test_deployment_policies_for_a_project(tmp_path: Path) -> None:
    from migstats.synth.project import synthetic_project

    data = synthetic_project(tmp_path, tmp_path / "ws")
    data["storage"] = {"kind": "s3", "endpoint_url": "http://x:9000", "bucket": BUCKET}
    cfg = ProjectConfig.model_validate(data)
    docs = deployment_policies(cfg)
    agencies = sorted({s.agency for s in cfg.sources})
    assert sorted(docs) == sorted([f"agency-{a}.json" for a in agencies] + ["nso-read.json"])
    with pytest.raises(UserInputError, match="mbs"):
        deployment_policies(cfg, {a: ARN.get(a, "x") for a in agencies if a != "mbs"}, NSO)
    full = deployment_policies(cfg, {a: f"arn:{a}" for a in agencies}, NSO)
    assert "bucket-policy.json" in full
