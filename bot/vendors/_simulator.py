"""What every vendor simulator shares: a movable clock and a loopback server.

Simulators stand in for the real vendors in tests and the demo. They speak
the documented protocol over real HTTP and enforce it, and their clock can be
moved forward so token expiry and lead times are tested without waiting.
"""

from __future__ import annotations

import abc
import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.asgi import BackgroundServer


class SimClock:
    """Real time plus an offset that tests move forward."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._offset

    def advance(self, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0) -> None:
        self._offset += timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)


class Simulator(abc.ABC):
    """A vendor stand-in: build the Starlette app, serve it, say how to reach it."""

    def __init__(self, clock: SimClock | None = None) -> None:
        self.clock = clock or SimClock()
        self._server: BackgroundServer | None = None
        self._holds: list[tuple[str, str, asyncio.Event]] = []
        self._callback_tasks: set[asyncio.Task[None]] = set()

    def call_back(self, url: str, payload: dict[str, Any],
                  log: list[tuple[str, dict[str, Any], int | str]]) -> None:
        """POST ``payload`` to ``url`` in the background, as a vendor's push does.

        ``log`` receives ``(url, payload, status)``, or the error's name when
        the call failed, so tests can wait on it.
        """
        async def post() -> None:
            try:
                async with httpx.AsyncClient(timeout=5.0) as client:
                    response = await client.post(url, json=payload)
                log.append((url, payload, response.status_code))
            except httpx.HTTPError as exc:
                log.append((url, payload, type(exc).__name__))

        task = asyncio.create_task(post())
        self._callback_tasks.add(task)
        task.add_done_callback(self._callback_tasks.discard)

    @abc.abstractmethod
    def app(self) -> Starlette:
        """The ASGI app serving the vendor's documented routes."""

    @abc.abstractmethod
    def environment(self, url: str) -> dict[str, str]:
        """The ``NAME=value`` settings that point the bot at this simulator."""

    def hold_responses(self, path_contains: str, method: str = "POST") -> asyncio.Event:
        """Make matching requests wait, already processed, before answering.

        For tests of what happens when the vendor did the work but the answer
        never arrived (a crash or timeout mid-call): set the returned event to
        let the answers go.
        """
        gate = asyncio.Event()
        self._holds.append((method.upper(), path_contains, gate))
        return gate

    def _with_holds(self, app: ASGIApp) -> ASGIApp:
        async def held(scope: Scope, receive: Receive, send: Send) -> None:
            gates = [
                gate for method, path, gate in self._holds
                if scope["type"] == "http" and scope["method"] == method and path in scope["path"]
            ]
            if not gates:
                await app(scope, receive, send)
                return
            messages: list[Message] = []

            async def keep(message: Message) -> None:
                messages.append(message)

            await app(scope, receive, keep)
            for gate in gates:
                await gate.wait()
            for message in messages:
                await send(message)

        return held

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> dict[str, str]:
        self._server = BackgroundServer(self._with_holds(self.app()))
        url = await self._server.start(host, port)
        return self.environment(url)

    @property
    def url(self) -> str:
        assert self._server is not None and self._server.url, "simulator not started"
        return self._server.url

    async def stop(self) -> None:
        for task in list(self._callback_tasks):
            task.cancel()
        await asyncio.gather(*self._callback_tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.stop()
            self._server = None
