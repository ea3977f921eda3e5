"""The store a project file describes."""

from __future__ import annotations

import os

from migstats.config import ProjectConfig
from migstats.errors import UserInputError
from migstats.storage.base import Store
from migstats.storage.local import LocalStore


def store_for(cfg: ProjectConfig) -> Store:
    """The local folder or S3 bucket named in ``cfg.storage``.

    S3 credentials are read from the environment variables *named* in the project file
    (``storage.access_key_env``, ``storage.secret_key_env``), never from the file itself.

    >>> from migstats.config import ProjectConfig
    >>> import tempfile
    >>> cfg = ProjectConfig.model_validate({
    ...     "project": {"name": "T", "country": "MDV"},
    ...     "storage": {"kind": "local", "root": tempfile.mkdtemp()},
    ...     "period": {"start": "2019-01-01", "end": "2024-12-31"},
    ... })
    >>> store_for(cfg).kind
    'local'
    """
    st = cfg.storage
    if st.kind == "local":
        assert st.root is not None  # guaranteed by StorageSection's validator
        root = cfg.resolve(st.root)
        if not root.is_dir():
            raise UserInputError(
                "Storage folder not found",
                f"storage.root is {root}, which is not a folder",
                "correct storage.root (relative paths start at the project file's folder)",
            )
        return LocalStore(root)

    from migstats.storage.s3 import S3Store

    names = (st.access_key_env, st.secret_key_env)
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise UserInputError(
            "No S3 credentials",
            f"environment variable {' and '.join(missing)} is not set",
            f"export {missing[0]}=... before running (storage.access_key_env and "
            "storage.secret_key_env name the variables; the secrets never go in the file)",
        )
    assert st.bucket is not None
    return S3Store(
        endpoint_url=st.endpoint_url,
        bucket=st.bucket,
        prefix=st.prefix,
        region=st.region,
        access_key=os.environ[names[0]],
        secret_key=os.environ[names[1]],
    )
