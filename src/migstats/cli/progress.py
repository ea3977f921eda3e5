"""A progress display for pipeline steps: one line per step with its time."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.status import Status


class StepProgress:
    """Shows the running step with a spinner and prints each finished step with timing.

    Pass :meth:`step` as the ``progress`` callback of a library function: it is called
    with ``(name, 0)`` when a step starts and ``(name, 1)`` when it ends.
    """

    def __init__(self, console: Console, title: str) -> None:
        self.console = console
        self.title = title
        self.started: dict[str, float] = {}
        self.status: Status | None = None

    def __enter__(self) -> StepProgress:
        self.t0 = time.perf_counter()
        self.status = self.console.status(self.title)
        self.status.__enter__()
        return self

    def step(self, name: str, done: int) -> None:
        if not done:
            self.started[name] = time.perf_counter()
            if self.status:
                self.status.update(f"{self.title}: {name} ...")
            return
        took = time.perf_counter() - self.started.get(name, self.t0)
        self.console.print(f"  [green]done[/] {name} [dim]({took:.1f} s)[/]")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.status:
            self.status.__exit__(exc_type, exc, tb)
        if exc is None:
            total = time.perf_counter() - self.t0
            self.console.print(f"[bold]{self.title}[/] finished in {total:.1f} s")
