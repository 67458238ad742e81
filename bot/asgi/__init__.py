"""Run any ASGI app with uvicorn as a task of the current event loop; read request bodies
from strangers without trusting their size or shape.

uvicorn itself is in :mod:`bot.asgi._server`, imported when a server first serves.

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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # uvicorn and starlette load when a server first serves (see serve())
    from starlette.requests import Request
    from starlette.types import ASGIApp

    from bot.asgi._server import InLoopServer

STARTUP_DEADLINE = 10.0


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
    """``await start()`` binds and serves; ``await stop()`` shuts down gracefully.

    Binding and serving may also be two steps (:meth:`bind`, then :meth:`serve`): the bot
    binds its port at once and serves once its first answers are out. Meanwhile the
    kernel accepts connections into the listen backlog, and their requests are answered
    when serving begins: a health check or a vendor's call waits, it is not refused.
    """

    def __init__(self, app: ASGIApp | None = None, *, graceful_timeout: float = 2.0) -> None:
        self.app = app
        self.graceful_timeout = graceful_timeout
        self.url: str | None = None
        self._socket: socket.socket | None = None
        self._server: InLoopServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Serving (not merely bound)."""
        return self._server is not None

    def bind(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind and listen; returns the base URL. Nothing is served until :meth:`serve`.

        The socket is bound here, not by uvicorn, so a busy port raises ``OSError`` to the
        caller instead of uvicorn's ``sys.exit`` tearing down the caller's event loop.
        """
        if self._socket is not None:
            raise RuntimeError("server already bound")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = _listening_socket(host, port, family)
        bound_host, bound_port = self._socket.getsockname()[:2]
        shown = f"[{bound_host}]" if family == socket.AF_INET6 else bound_host
        self.url = f"http://{shown}:{bound_port}"
        return self.url

    async def serve(self, app: ASGIApp | None = None) -> None:
        """Serve ``app`` (else the one given at construction) on the bound socket; returns
        once uvicorn accepts connections."""
        from bot.asgi._server import new_server  # uvicorn: imported when first needed

        if self._socket is None:
            raise RuntimeError("bind() first")
        if self._server is not None:
            raise RuntimeError("server already started")
        self.app = app or self.app
        if self.app is None:
            raise RuntimeError("no application to serve")
        self._server = new_server(self.app, self.graceful_timeout)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]),
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

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind and serve; returns the base URL once uvicorn accepts connections."""
        url = self.bind(host, port)
        await self.serve()
        return url

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            self._server.exit_requested.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        elif self._socket is not None:
            self._socket.close()  # bound, never served
        self._socket = None
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
