"""The secure space's guards: sessions, CSRF tokens, sign-in throttling, security headers.

Sessions live in cookies signed by Starlette's ``SessionMiddleware`` (itsdangerous);
:class:`SessionGuard` decides whether a session is valid: it names a user who still
exists with a role that may enter, it was opened by this run of the server, it was not
signed out, and it is younger than the maximum age.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final
from urllib.parse import urlsplit

from starlette.requests import Request

from migstats.web.users import ROLES, User, UserStore

__all__ = [
    "PAGE_CSP",
    "REPORT_CSP",
    "LoginThrottle",
    "SecurityHeaders",
    "SessionGuard",
    "safe_next",
]

PAGE_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
# Reports are rendered in a sandbox (an opaque origin): a value in a report cannot act
# on the secure space even if it carried markup.
REPORT_CSP: Final = (
    "sandbox allow-scripts; default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; img-src data:"
)


class SecurityHeaders:
    """Pure ASGI middleware adding security headers (cheaper than BaseHTTPMiddleware);
    secure responses are also never cached."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = str(scope.get("path", "")).startswith("/secure")

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", PAGE_CSP.encode()))
                if secure and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginThrottle:
    """Failed sign-ins per client address in a sliding window."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit, self.window = limit, window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, key: str) -> bool:
        """Whether ``key`` has used up its failed attempts."""
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def fail(self, key: str) -> None:
        """Record a failed attempt."""
        with self._lock:
            now = time.monotonic()
            self._recent(key, now).append(now)


def safe_next(target: str | None) -> str:
    """Only local secure paths are followed after sign-in (no open redirect)."""
    if not target:
        return "/secure/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/secure") or "\\" in target:
        return "/secure/"
    return target


class SessionGuard:
    """Opens, checks and closes sessions of the secure space.

    Sessions are bound to this run of the server (sign-outs are remembered in memory,
    so after a restart every session must sign in again).
    """

    def __init__(self, users: UserStore, max_seconds: int) -> None:
        self.users = users
        self.max_seconds = max_seconds
        self.instance = secrets.token_urlsafe(12)
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    def user(self, request: Request) -> User | None:
        """The signed-in user of a request, or None."""
        session = request.session
        name, sid, since = session.get("user"), session.get("sid"), session.get("since")
        if not isinstance(name, str) or not isinstance(sid, str) or not isinstance(since, int):
            return None
        if session.get("instance") != self.instance or sid in self._revoked:
            return None
        if time.time() - since > self.max_seconds:
            return None
        user = self.users.get(name)
        if user is None or user.role not in ROLES:
            return None
        return user

    def sign_in(self, request: Request, user: User) -> None:
        """A new session for ``user`` (nothing of the old one is kept)."""
        request.session.clear()
        request.session.update(
            {
                "user": user.name,
                "sid": secrets.token_urlsafe(16),
                "since": int(time.time()),
                "instance": self.instance,
                "csrf": secrets.token_urlsafe(32),
            }
        )

    def sign_out(self, request: Request) -> None:
        """End the session here and for any copy of its cookie."""
        sid = request.session.get("sid")
        if isinstance(sid, str):
            now = time.time()
            with self._lock:
                self._revoked[sid] = now
                expired = [s for s, t in self._revoked.items() if now - t > self.max_seconds]
                for old in expired:
                    del self._revoked[old]
        request.session.clear()

    @staticmethod
    def csrf_token(request: Request) -> str:
        """The session's form token (created on first use)."""
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    @staticmethod
    def csrf_ok(request: Request, submitted: object) -> bool:
        """Whether a form comes from this site: its token matches the session's and its
        ``Origin``, when sent, is this host."""
        expected = request.session.get("csrf")
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host"):
            return False
        return (
            isinstance(expected, str)
            and isinstance(submitted, str)
            and secrets.compare_digest(expected.encode(), submitted.encode())
        )
