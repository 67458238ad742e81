"""Run any ASGI app with uvicorn as a task of the current event loop; read request bodies
from strangers without trusting their size or shape.

The bot's web server, the fake Telegram, every vendor simulator and test receivers
run this way: in tests they must live in the test's
loop so everything is event-driven and ports are ephemeral (safe under pytest-xdist).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from types import TracebackType
from typing import Any

import uvicorn
from starlette.requests import Request
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from starlette.types import ASGIApp

STARTUP_DEADLINE = 10.0
KEEP_ALIVE_SECONDS = 75  # as common reverse proxies; longer than any client keeps one


class _InLoopServer(uvicorn.Server):
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
    socket (see :func:`_listening_socket`) each write is a packet of its own: a second
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


def _listening_socket(host: str, port: int, family: socket.AddressFamily) -> socket.socket:
    # proto must be IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets
    # whose proto says TCP, and without it every response pays a ~40 ms Nagle/delayed-ACK stall.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class BackgroundServer:
    """``await start()`` binds and serves; ``await stop()`` shuts down gracefully."""

    def __init__(self, app: ASGIApp, *, graceful_timeout: float = 2.0) -> None:
        self.app = app
        self.graceful_timeout = graceful_timeout
        self.url: str | None = None
        self._server: _InLoopServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Returns the base URL once the socket is bound and uvicorn accepts connections.

        The socket is bound here, not by uvicorn, so a busy port raises ``OSError`` to the
        caller instead of uvicorn's ``sys.exit`` tearing down the caller's event loop.
        """
        if self._server is not None:
            raise RuntimeError("server already started")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = _listening_socket(host, port, family)
        # log_config=None: uvicorn must not re-run logging.dictConfig for the whole process.
        # timeout_keep_alive: a server must keep an idle connection open longer than its
        # clients do (httpx: 5 s), or a request sent on it just as the server closes it
        # fails with a ReadError, which nothing may retry (it could have been taken).
        config = uvicorn.Config(self.app, http=_Protocol, lifespan="off", log_config=None,
                                log_level="warning",
                                access_log=False, timeout_graceful_shutdown=self.graceful_timeout,
                                timeout_keep_alive=KEEP_ALIVE_SECONDS)
        self._server = _InLoopServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]),
                                         name="in-loop-uvicorn")
        ready = asyncio.create_task(self._server.ready.wait())
        done, _ = await asyncio.wait({ready, self._task}, timeout=STARTUP_DEADLINE,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            task = self._task
            await self.stop()
            if task in done:
                task.result()  # surfaces the startup error
            raise RuntimeError("uvicorn did not start in time")
        bound_host, bound_port = sock.getsockname()[:2]
        shown = f"[{bound_host}]" if family == socket.AF_INET6 else bound_host
        self.url = f"http://{shown}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            self._server.exit_requested.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._server = None
        self._task = None
        self.url = None

    async def __aenter__(self) -> BackgroundServer:
        if not self.running:
            await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()


# -- request bodies -------------------------------------------------------------------------


class BodyRefused(Exception):
    """A body not worth reading further: answer ``status`` (413 too large, 400 unreadable).

    Expected from anyone on the internet, so routes answer it with a log line, never a
    traceback."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to pass ``limit`` bytes: from its declared
    length before reading anything, else while streaming (a 300 MB body costs ``limit``)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyRefused(413, f"{declared} bytes declared, at most {limit} taken")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyRefused(413, f"more than {limit} bytes sent")
    return bytes(body)


async def read_json_object(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object; anything else (an array, ``null``, invalid UTF-8 or JSON,
    nesting deep enough to exhaust the parser) is refused with 400."""
    body = await read_body(request, limit)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BodyRefused(400, f"not JSON ({type(exc).__name__})") from None
    if not isinstance(payload, dict):
        raise BodyRefused(400, f"a JSON {type(payload).__name__}, not an object")
    return payload
