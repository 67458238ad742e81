"""Serving an ASGI app with uvicorn inside the running event loop.

The bot's web server, the fake Telegram and every vendor simulator run this
way: in one process for the demo and tests, each on its own port (port 0
picks a free one, so parallel tests never collide).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn

log = logging.getLogger(__name__)


class LoopbackServer:
    """uvicorn started as a task, with ``port`` known once it listens."""

    def __init__(self, app: object, *, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, lifespan="off", log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._task: asyncio.Task[None] | None = None
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, timeout: float = 10.0) -> str:
        self._task = asyncio.create_task(self._server.serve(), name=f"asgi:{self.host}")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._server.started:
            if self._task.done():
                self._task.result()  # surfaces the bind error
                raise RuntimeError("web server stopped during start-up")
            if loop.time() > deadline:
                raise TimeoutError("web server did not start")
            await asyncio.sleep(0.005)
        sockets = [s for server in self._server.servers for s in server.sockets]
        self.port = sockets[0].getsockname()[1]
        return self.url

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
