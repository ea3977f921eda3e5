"""An S3-compatible bucket (MinIO in production, any S3 endpoint) through boto3.

boto3 is an optional extra, imported only when an S3 store is built. Keys are relative
to ``prefix`` inside the bucket, so the same source paths work for a local folder and a
bucket. Server errors a user can fix (wrong endpoint, bucket, credentials, permissions)
become :class:`~migstats.errors.UserInputError` naming what to change.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import IO, Any

from migstats.errors import MissingExtraError, UserInputError
from migstats.storage.base import ObjectInfo, ObjectNotFoundError, Reader, Store

log = logging.getLogger("migstats.storage")

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_FIXES = {
    "NoSuchBucket": "create the bucket or correct storage.bucket",
    "AccessDenied": "grant these credentials read access (see `migstats storage-policies`)",
    "InvalidAccessKeyId": "check the access key in the environment variable named by "
    "storage.access_key_env",
    "SignatureDoesNotMatch": "check the secret key in the environment variable named by "
    "storage.secret_key_env",
}


def _boto3() -> Any:
    try:
        import boto3  # type: ignore[import-untyped, unused-ignore]
    except ImportError:  # pragma: no cover - depends on the installation
        raise MissingExtraError("S3 storage", "s3", "boto3") from None
    return boto3


class S3Store(Store):
    """Objects in ``bucket`` under ``prefix``, on the server at ``endpoint_url``.

    Path-style addressing is used because MinIO and most S3-compatible servers expect it.

    >>> store = S3Store("http://127.0.0.1:9000", "deliveries", "2024/", "us-east-1", "k", "s")
    >>> store.location
    's3://deliveries/2024/'
    """

    kind = "s3"

    def __init__(
        self,
        endpoint_url: str | None,
        bucket: str,
        prefix: str,
        region: str,
        access_key: str,
        secret_key: str,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.bucket = bucket
        # "" or "a/b/": keys are joined to it without a doubled or missing slash.
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.region = region
        self._credentials = (access_key, secret_key)
        self._client: Any = None

    @property
    def client(self) -> Any:
        """The boto3 S3 client, built on first use."""
        if self._client is None:
            boto3 = _boto3()
            from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]

            config = Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 5, "mode": "standard"},
                # Since botocore 1.36 the client adds CRC checksums to every request;
                # several S3-compatible servers reject them, so only send when required.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id=self._credentials[0],
                aws_secret_access_key=self._credentials[1],
                config=config,
            )
        return self._client

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"

    @contextlib.contextmanager
    def _errors(self, key: str) -> Iterator[None]:
        from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
            BotoCoreError,
            ClientError,
        )

        try:
            yield
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code in _NOT_FOUND:
                raise ObjectNotFoundError(self._where(key)) from None
            raise UserInputError(
                f"S3 request for {self._where(key)} failed",
                f"{code or 'error'} from {self.endpoint_url or 'AWS'}",
                _FIXES.get(code, "check storage.endpoint_url, bucket and credentials"),
            ) from None
        except BotoCoreError as err:
            raise UserInputError(
                f"Cannot reach the S3 server for {self._where(key)}",
                str(err),
                "check storage.endpoint_url and that the server is running",
            ) from None

    def _info(self, key: str, head: dict[str, Any]) -> ObjectInfo:
        etag = str(head.get("ETag", "")).strip('"')
        size = int(head.get("ContentLength", head.get("Size", 0)))
        return ObjectInfo(key, size, etag, self._where(key))

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        with self._errors(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for obj in page.get("Contents", []):
                    yield self._info(obj["Key"][len(self.prefix) :], obj)

    def info(self, key: str) -> ObjectInfo:
        with self._errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        return self._info(key, head)

    def _open(self, key: str) -> Reader:
        with self._errors(key):
            body: Reader = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"]
        return _Download(body, self._where(key))

    def put(self, key: str, data: bytes | IO[bytes]) -> ObjectInfo:
        with self._errors(key):
            if isinstance(data, bytes):
                self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)
            else:
                # Multipart for large streams: an S3 object appears only when complete.
                self.client.upload_fileobj(data, self.bucket, self.prefix + key)
        log.debug("put %s", self._where(key))
        return self.info(key)


class _Download:
    """An object's body; a connection lost mid-way is an error the user can act on."""

    def __init__(self, body: Reader, location: str) -> None:
        self.body = body
        self.location = location

    def read(self, size: int = -1, /) -> bytes:
        from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
            BotoCoreError,
        )

        try:
            return self.body.read(size)
        except (BotoCoreError, OSError) as err:
            raise UserInputError(
                f"Download of {self.location} was interrupted",
                str(err) or type(err).__name__,
                "run `migstats land` again (nothing partial was kept)",
            ) from err

    def close(self) -> None:
        self.body.close()
