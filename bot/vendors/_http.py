"""The one HTTP client every vendor adapter uses.

It gives all vendors the same behaviour at the network boundary: a timing
log line per call (never with tokens or query secrets), a retry for transient
transport failures on idempotent calls, and translation of transport errors
and common statuses into :mod:`bot.vendors.errors`.

Every call has a deadline: a short connect timeout (a vendor that is down
is known in a second or two) and one bound on the whole call, retry
included, well under the 10 s within which a user must hear back. Past it
the call raises :class:`~bot.vendors.errors.VendorTimeout` and the step
says the vendor is slow; each vendor's ``<PREFIX>_DEADLINE_SECONDS`` sets
its own bound. A step that makes several calls (a token, then the call; a
lookup, then a registration) runs them :func:`calls_within` one budget, so
together they too end in time. Vendor specifics (auth, signing, body-level
error codes) plug in through ``httpx.Auth`` and the adapter's own response
checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from bot.vendors.errors import (
    AuthFailed,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    VendorTimeout,
)

log = logging.getLogger("bot.vendors.http")

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# The whole call, retry included; vendors may set their own (DEADLINE_SECONDS).
DEFAULT_DEADLINE = 7.0
CONNECT_TIMEOUT = 2.0
# The step under way: its task and when its budget ends (time.monotonic()).
_BUDGET: ContextVar[tuple[asyncio.Task[Any] | None, float] | None] = ContextVar(
    "vendor_budget", default=None)


@contextlib.contextmanager
def calls_within(seconds: float) -> Iterator[None]:
    """Every vendor call this task makes inside ends within ``seconds`` from now, however
    many there are: each gets what is left, up to its own deadline. Nested budgets keep
    the earlier end. Tasks started inside (a watcher, a parallel cancel) do not share
    it, though they inherit the context: a watcher outlives the step."""
    task, ends = asyncio.current_task(), time.monotonic() + seconds
    outer = _BUDGET.get()
    if outer is not None and outer[0] is task:
        ends = min(ends, outer[1])
    token = _BUDGET.set((task, ends))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _budget_left() -> float | None:
    budget = _BUDGET.get()
    if budget is None or budget[0] is not asyncio.current_task():
        return None
    return budget[1] - time.monotonic()


@functools.cache
def _tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()


class VendorHttp:
    """An ``httpx.AsyncClient`` wrapped with the shared vendor rules."""

    def __init__(
        self,
        vendor: str,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        deadline: float = DEFAULT_DEADLINE,
        headers: dict[str, str] | None = None,
        transport_retries: int = 1,
    ) -> None:
        self.vendor = vendor
        self.deadline = deadline
        self._retries = transport_retries
        self._base_url = base_url.rstrip("/")
        self._transport = transport
        self._headers = headers
        self._opened: httpx.AsyncClient | None = None
        self._closed = False

    @property
    def _client(self) -> httpx.AsyncClient:
        """The client, made at the first call rather than at start: its TLS context
        takes ~25 ms to load, which a start (and a first answer) need not wait for."""
        if self._opened is None:
            if self._closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            self._opened = httpx.AsyncClient(
                base_url=self._base_url,
                transport=self._transport,
                verify=_tls(),  # one TLS context for every vendor client (~40 ms each to load)
                timeout=httpx.Timeout(self.deadline,
                                      connect=min(CONNECT_TIMEOUT, self.deadline)),
                headers=self._headers,
            )
        return self._opened

    async def request(self, method: str, url: str, *, deadline: float | None = None,
                      **kwargs: Any) -> httpx.Response:
        """Send a request; raise :class:`ServiceUnavailable` if it never arrives,
        :class:`VendorTimeout` if it is not answered within the deadline.

        ``deadline`` is what is left of the call's own when the adapter spent some
        of it before sending (waiting for a request permit); by default the whole."""
        bound = self.deadline if deadline is None else max(0.0, min(deadline, self.deadline))
        left = _budget_left()
        if left is not None:
            bound = max(0.0, min(bound, left))
        try:
            async with asyncio.timeout(bound):
                return await self._attempts(method.upper(), url, **kwargs)
        except TimeoutError:
            log.warning("vendor=%s %s %s no answer within %.1fs",
                        self.vendor, method.upper(), _path(url), bound)
            raise VendorTimeout(f"no answer within {bound:.1f}s", vendor=self.vendor) from None

    async def _attempts(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        attempts = 1 + (self._retries if method in _IDEMPOTENT else 0)
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                response = await self._client.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                log.warning(
                    "vendor=%s %s %s failed: %s (attempt %d/%d)",
                    self.vendor, method, _path(url), type(exc).__name__, attempt, attempts,
                )
                if attempt == attempts:
                    raise ServiceUnavailable(type(exc).__name__, vendor=self.vendor) from exc
                continue
            log.info(
                "vendor=%s %s %s status=%d ms=%.0f",
                self.vendor, method, _path(url), response.status_code,
                (time.perf_counter() - started) * 1000,
            )
            return response
        raise AssertionError("unreachable")

    def raise_for_common_status(self, response: httpx.Response) -> None:
        """Translate statuses whose meaning is the same for every vendor.

        400/409/422 are left to the adapter: only it can read the vendor's
        body to say which input was refused and why.
        """
        status = response.status_code
        if status < 400 or status in (400, 409, 422):
            return
        if status in (401, 403):
            raise AuthFailed(f"HTTP {status}", vendor=self.vendor)
        if status == 404:
            raise NotFound(f"HTTP 404 {_path(str(response.request.url.path))}", vendor=self.vendor)
        if status == 429:
            raise RateLimited("HTTP 429", vendor=self.vendor, retry_after=_retry_after(response))
        raise ServiceUnavailable(f"HTTP {status}", vendor=self.vendor)

    async def aclose(self) -> None:
        self._closed = True
        if self._opened is not None:
            await self._opened.aclose()


def _path(url: str) -> str:
    """The URL without its query string, which may carry search terms."""
    return url.split("?", 1)[0]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def parse_payload(model: type[BaseModel] | TypeAdapter[Any], data: Any, vendor: str) -> Any:
    """A vendor's JSON read into its model; a shape we cannot read is the vendor failing.

    The answer is logged (field paths only, never values: they may be personal)
    and the user sees "try later" rather than a crash.
    """
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except ValidationError as exc:
        log.warning("vendor=%s unexpected payload: %s", vendor,
                    [(e["loc"], e["type"]) for e in exc.errors()[:3]])
        raise ServiceUnavailable("unexpected payload", vendor=vendor) from exc
