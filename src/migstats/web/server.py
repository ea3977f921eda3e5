"""Running the web application: in the foreground (``migstats serve``) or in a thread
on a free loopback port (tests, benchmarks, notebooks).

>>> from migstats.web.app import create_app  # doctest: +SKIP
>>> with serve_in_thread(create_app(settings)) as base_url:  # doctest: +SKIP
...     httpx.get(f"{base_url}/api/tables").json()
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

__all__ = ["serve", "serve_in_thread"]


def _config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    # lifespan off: the application does its work in create_app; access log off: the
    # server answers thousands of requests a second and a line each would dominate.
    return uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="off"
    )


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (Ctrl+C)."""
    uvicorn.Server(_config(app, host, port)).run()


@contextmanager
def serve_in_thread(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a background thread; yields the base URL, stops on exit.

    ``port=0`` takes a free port (the socket is bound here, so there is no race).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, host, bound_port))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="migstats-web", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
