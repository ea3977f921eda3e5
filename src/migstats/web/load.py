"""A bounded load test of the API: N requests from C concurrent clients on loopback.

Used by ``benchmarks/bench_api.py`` (which prints the figures) and by a test (which only
checks that every request succeeds: timings are not asserted in tests).

>>> report = run_load("http://127.0.0.1:8000", ["/api/tables"], requests=300)  # doctest: +SKIP
>>> report.p95_ms  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["LoadReport", "run_load"]


@dataclass(frozen=True)
class LoadReport:
    """Latencies (ms) and outcome of a load run."""

    requests: int
    clients: int
    seconds: float
    latencies_ms: tuple[float, ...]
    statuses: dict[int, int]
    errors: int

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile of the latencies (nearest rank)."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank]

    @property
    def p50_ms(self) -> float:
        return self.percentile(50)

    @property
    def p95_ms(self) -> float:
        return self.percentile(95)

    @property
    def p99_ms(self) -> float:
        return self.percentile(99)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else float("nan")

    @property
    def ok(self) -> bool:
        return self.errors == 0 and set(self.statuses) == {200}

    def summary(self) -> str:
        return (
            f"{self.requests} requests, {self.clients} concurrent clients, "
            f"{self.seconds:.2f} s: {self.per_second:,.0f} requests/s; latency "
            f"p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, p99 {self.p99_ms:.1f} ms; "
            f"statuses {dict(sorted(self.statuses.items()))}, errors {self.errors}"
        )


class _Connection:
    """One keep-alive HTTP/1.1 connection with the least client work per request.

    httpx costs about 2 ms of CPU per request and more with 50 connections in one pool;
    on a 2-core machine shared with the server that would measure the client, not the
    server. Responses are read by Content-Length or chunked transfer encoding.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n"
        self.writer.write(request.encode("ascii"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _run(base_url: str, paths: Sequence[str], requests: int, clients: int) -> LoadReport:
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    next_request = 0

    async def worker() -> None:
        nonlocal next_request, errors
        connection = _Connection(host, port)
        try:
            while next_request < requests:
                path = paths[next_request % len(paths)]
                next_request += 1
                start = time.perf_counter()
                try:
                    status, _ = await connection.get(path)
                    statuses[status] += 1
                except (OSError, ValueError, asyncio.IncompleteReadError):
                    errors += 1
                    await connection.close()
                latencies.append((time.perf_counter() - start) * 1000)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    seconds = time.perf_counter() - started
    return LoadReport(requests, clients, seconds, tuple(latencies), dict(statuses), errors)


def run_load(
    base_url: str, paths: Sequence[str], *, requests: int = 2000, clients: int = 50
) -> LoadReport:
    """Send ``requests`` GET requests, cycling through ``paths``, from ``clients``
    concurrent connections; returns the latencies seen by the clients."""
    if not paths:
        raise ValueError("run_load needs at least one path")
    # A thread of its own: the caller's thread may already run an event loop (a notebook,
    # or playwright's sync API in a test session).
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, _run(base_url, paths, requests, clients)).result()
