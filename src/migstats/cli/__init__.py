"""The ``migstats`` command line: one sub-command per stage, plus ``demo``.

Each command group lives in its own module and registers itself on :data:`app`, so
stages can grow without touching each other. User mistakes surface as one red line
(no traceback) and exit code 2.
"""

from __future__ import annotations

import logging
import sys

# Importing the command modules registers their commands on ``app``.
from migstats.cli import demo as _demo  # noqa: F401  (registration)
from migstats.cli import ingest as _ingest  # noqa: F401  (registration)
from migstats.cli import link as _link  # noqa: F401  (registration)
from migstats.cli import project as _project  # noqa: F401  (registration)
from migstats.cli import publish as _publish  # noqa: F401  (registration)
from migstats.cli import residence as _residence  # noqa: F401  (registration)
from migstats.cli import stats as _stats  # noqa: F401  (registration)
from migstats.cli import storage as _storage  # noqa: F401  (registration)
from migstats.cli import synth as _synth  # noqa: F401  (registration)
from migstats.cli import web as _web  # noqa: F401  (registration)
from migstats.cli._app import app, console
from migstats.errors import MigstatsError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``migstats`` script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app(standalone_mode=False)
    except MigstatsError as err:
        console.print(f"[bold red]error:[/] {err}")
        sys.exit(2)
    except SystemExit:
        raise
    except Exception as err:  # click's usage errors arrive here in non-standalone mode
        from click.exceptions import Abort, ClickException

        if isinstance(err, ClickException):
            err.show()
            sys.exit(err.exit_code)
        if isinstance(err, Abort):
            sys.exit(130)
        raise
