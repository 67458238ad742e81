"""uvicorn as a task of the current event loop: the part of :mod:`bot.asgi` that needs
uvicorn, imported when a server first starts serving (about 15 ms of imports that a
process answering Telegram before its web server serves need not wait for)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

if TYPE_CHECKING:
    from starlette.types import ASGIApp

KEEP_ALIVE_SECONDS = 75  # as common reverse proxies; longer than any client keeps one


def new_server(app: ASGIApp, graceful_timeout: float) -> InLoopServer:
    """A server for ``app`` that serves sockets bound by the caller."""
    # log_config=None: uvicorn must not re-run logging.dictConfig for the whole process.
    # timeout_keep_alive: a server must keep an idle connection open longer than its
    # clients do (httpx: 5 s), or a request sent on it just as the server closes it
    # fails with a ReadError, which nothing may retry (it could have been taken).
    config = uvicorn.Config(app, http=_Protocol, lifespan="off", log_config=None,
                            log_level="warning", access_log=False,
                            timeout_graceful_shutdown=graceful_timeout,
                            timeout_keep_alive=KEEP_ALIVE_SECONDS)
    return InLoopServer(config)


class InLoopServer(uvicorn.Server):
    """uvicorn that leaves process signal handlers alone and announces readiness as an event.

    The stock ``capture_signals`` swaps SIGINT handlers for the server's lifetime, which
    misbehaves when several servers with overlapping lifetimes run in one test process.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()
        self.exit_requested = asyncio.Event()

    async def main_loop(self) -> None:
        # The stock loop polls should_exit every 100 ms; tests start and stop servers a lot,
        # so wait on an event instead.  (The Date header is then fixed at startup.)
        await self.on_tick(0)
        await self.exit_requested.wait()

    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown minus its fixed 100 ms pauses, which dominate short tests."""
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.config.timeout_graceful_shutdown or 0)
        while self.server_state.connections or self.server_state.tasks:
            if loop.time() >= deadline:
                for task in self.server_state.tasks:
                    task.cancel()
                break
            await asyncio.sleep(0.001)  # connections report closing only via callbacks
        for server in self.servers:
            await server.wait_closed()


class _OneWritePerTurn:
    """A connection's transport whose writes within one turn of the event loop leave as
    one ``send()``.

    uvicorn writes a response's head and its body separately, and on a TCP_NODELAY
    socket (see :func:`bot.asgi._listening_socket`) each write is a packet of its own: a second
    system call here, a second wake-up and read for the client. For the small JSON
    answers of the Bot API that doubled the cost of a response (the fake Telegram's
    ``send()`` calls were about a third of its CPU in a paid broadcast). The joined
    bytes go at the end of the turn (``call_soon``); closing sends them first.
    Everything else is the wrapped transport's.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Protocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol (httptools, else h11) on a :class:`_OneWritePerTurn`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_OneWritePerTurn(transport, self.loop))  # type: ignore[arg-type]


