"""What every vendor simulator shares: a movable clock and a loopback server.

Simulators stand in for the real vendors in tests and the demo. They speak
the documented protocol over real HTTP and enforce it, and their clock can be
moved forward so token expiry and lead times are tested without waiting.
"""

from __future__ import annotations

import abc
from datetime import datetime, timedelta, timezone

from starlette.applications import Starlette

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

    @abc.abstractmethod
    def app(self) -> Starlette:
        """The ASGI app serving the vendor's documented routes."""

    @abc.abstractmethod
    def environment(self, url: str) -> dict[str, str]:
        """The ``NAME=value`` settings that point the bot at this simulator."""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> dict[str, str]:
        self._server = BackgroundServer(self.app())
        url = await self._server.start(host, port)
        return self.environment(url)

    @property
    def url(self) -> str:
        assert self._server is not None and self._server.url, "simulator not started"
        return self._server.url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None
