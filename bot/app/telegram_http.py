"""The HTTP client of the bot's Bot API calls: python-telegram-bot's, minus one cost.

Before every request, and again when a response is closed, httpcore checks each idle
connection of the pool for a server-side close, by asking the network stream whether
its socket is readable. Through anyio that question rebuilds the stream's whole table
of attributes (a ``getpeername()`` call and half a dozen closures) per connection, per
check: with chats running in parallel the pool holds a dozen or more connections, and
in a profile of the booking step these checks were about a sixth of the bot's CPU.
Here each stream keeps its socket and answers that one question with a ``poll()``, as
httpcore itself does once it has the socket; everything else is httpx's and anyio's.

The stream is wrapped through httpx's transport's pool (private attributes of httpx
and httpcore): should a release of either rename them, the plain client is used.

Both Bot API clients (this one and getUpdates') share one TLS context: loading the CA
bundle costs some 40 ms per client at start.
"""

from __future__ import annotations

import functools
import logging
import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

#: python-telegram-bot's default size of the pool for calls other than getUpdates.
POOL_SIZE = 256
#: Seconds a ``getUpdates`` answer may take beyond its long poll's own timeout.
UPDATES_READ_TIMEOUT = 40.0


@functools.cache
def _tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def updates_request(read_timeout: float) -> HTTPXRequest:
    """The request object for ``getUpdates`` (python-telegram-bot's defaults otherwise)."""
    return HTTPXRequest(connection_pool_size=1, read_timeout=read_timeout,
                        httpx_kwargs={"verify": _tls()})


def bot_api_request(pool_size: int = POOL_SIZE) -> HTTPXRequest:
    """The request object for the bot's calls (what ``ApplicationBuilder.request`` takes),
    with python-telegram-bot's default timeouts and pool size."""
    transport = httpx.AsyncHTTPTransport(verify=_tls(),
                                         limits=httpx.Limits(max_connections=pool_size))
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(pool, httpcore.AsyncConnectionPool) and isinstance(
            backend, httpcore.AsyncNetworkBackend):
        pool._network_backend = _Backend(backend)  # noqa: SLF001 - see the module docstring
    else:
        log.warning("httpx's transport changed shape: Bot API calls use the plain pool")
    return HTTPXRequest(connection_pool_size=pool_size, httpx_kwargs={"transport": transport})


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address,
            socket_options=socket_options))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket) -> bool:
    """Whether a read would return at once (data, or the end a closed peer leaves);
    a socket without a descriptor counts as readable, as in httpcore."""
    fd = sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))
