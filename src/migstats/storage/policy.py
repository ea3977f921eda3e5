"""Access policies for the delivery bucket: each agency writes only under its own prefix.

A deployment aid, not used at run time. :func:`agency_policy` and :func:`reader_policy`
are identity policies (attach them to users: MinIO ``mc admin policy create``, or AWS
IAM); :func:`bucket_policy` is the same rules as one resource policy naming principals
(AWS ARNs), with an explicit deny so an agency cannot write outside its prefix even if
another policy would allow it. Agencies may read back what they delivered (to check an
upload) but cannot delete or list other agencies' objects; the statistics office (NSO)
reads everything and writes nothing.

>>> doc = agency_policy("deliveries", "immigration")
>>> doc["Statement"][1]["Resource"]
['arn:aws:s3:::deliveries/immigration/*']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migstats.config import ProjectConfig
from migstats.errors import UserInputError

VERSION = "2012-10-17"
#: What an agency may do with objects under its own prefix.
AGENCY_OBJECT_ACTIONS = [
    "s3:PutObject",
    "s3:GetObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
]
#: What the statistics office may do with every delivery.
READER_OBJECT_ACTIONS = ["s3:GetObject"]


def _prefix(storage_prefix: str, agency: str = "") -> str:
    parts = [p for p in (storage_prefix.strip("/"), agency.strip("/")) if p]
    return "".join(f"{p}/" for p in parts)


def _bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def _list_statement(sid: str, bucket: str, prefix: str) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
        "Resource": [_bucket_arn(bucket)],
    }
    if prefix:
        statement["Condition"] = {"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}}
    return statement


def agency_policy(bucket: str, agency: str, storage_prefix: str = "") -> dict[str, Any]:
    """The identity policy of one agency's user: write (and read back) its own prefix."""
    prefix = _prefix(storage_prefix, agency)
    return {
        "Version": VERSION,
        "Statement": [
            _list_statement("ListOwnPrefix", bucket, prefix),
            {
                "Sid": "WriteOwnPrefix",
                "Effect": "Allow",
                "Action": list(AGENCY_OBJECT_ACTIONS),
                "Resource": [f"{_bucket_arn(bucket)}/{prefix}*"],
            },
        ],
    }


def reader_policy(bucket: str, storage_prefix: str = "") -> dict[str, Any]:
    """The identity policy of the statistics office: read every delivery, write none."""
    prefix = _prefix(storage_prefix)
    return {
        "Version": VERSION,
        "Statement": [
            _list_statement("ListDeliveries", bucket, prefix),
            {
                "Sid": "ReadDeliveries",
                "Effect": "Allow",
                "Action": list(READER_OBJECT_ACTIONS),
                "Resource": [f"{_bucket_arn(bucket)}/{prefix}*"],
            },
        ],
    }


def bucket_policy(
    bucket: str,
    agency_principals: Mapping[str, str],
    reader_principal: str,
    storage_prefix: str = "",
) -> dict[str, Any]:
    """One resource policy for the bucket, given each agency's principal ARN and the
    statistics office's."""
    statements: list[dict[str, Any]] = []
    for agency, principal in sorted(agency_principals.items()):
        own = f"{_bucket_arn(bucket)}/{_prefix(storage_prefix, agency)}*"
        sid = "".join(part.capitalize() for part in agency.replace("-", "_").split("_"))
        who = {"AWS": [principal]}
        listing = _list_statement(f"{sid}List", bucket, _prefix(storage_prefix, agency))
        statements.append({**listing, "Principal": who})
        statements.append(
            {
                "Sid": f"{sid}Write",
                "Effect": "Allow",
                "Principal": who,
                "Action": list(AGENCY_OBJECT_ACTIONS),
                "Resource": [own],
            }
        )
        statements.append(
            {
                "Sid": f"{sid}DenyOtherPrefixes",
                "Effect": "Deny",
                "Principal": who,
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "NotResource": [own],
            }
        )
    statements.extend(
        {**statement, "Sid": f"Nso{statement['Sid']}", "Principal": {"AWS": [reader_principal]}}
        for statement in reader_policy(bucket, storage_prefix)["Statement"]
    )
    return {"Version": VERSION, "Statement": statements}


def deployment_policies(
    cfg: ProjectConfig,
    agency_principals: Mapping[str, str] | None = None,
    reader_principal: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Every policy document for the project's bucket, by file name.

    ``agency-<agency>.json`` per agency in the sources and ``nso-read.json``; with
    principal ARNs for all agencies and the reader, also ``bucket-policy.json``.
    """
    bucket = cfg.storage.bucket or "BUCKET"
    prefix = cfg.storage.prefix
    agencies = sorted({s.agency for s in cfg.sources})
    docs = {f"agency-{a}.json": agency_policy(bucket, a, prefix) for a in agencies}
    docs["nso-read.json"] = reader_policy(bucket, prefix)
    if agency_principals and reader_principal:
        missing = sorted(set(agencies) - set(agency_principals))
        if missing:
            raise UserInputError(
                "Missing principals for the bucket policy",
                f"no principal for agency {', '.join(missing)}",
                "give one principal ARN per agency that delivers",
            )
        docs["bucket-policy.json"] = bucket_policy(
            bucket, agency_principals, reader_principal, prefix
        )
    return docs
