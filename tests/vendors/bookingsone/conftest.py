"""Fixtures for the Bookings ONE tests: a real simulator over HTTP and a client on it.

Each test gets its own simulator on a free port. Helpers are fixtures, not
imports, so the modules work in any pytest import mode.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.asgi import BackgroundServer
from bot.vendors.bookingsone.client import BookingsOneClient
from bot.vendors.bookingsone.config import Settings
from bot.vendors.bookingsone.simulator import Simulator
from tests.vendors._fixtures import serving, settings_from


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with serving(Simulator()) as simulator:
        yield simulator


@pytest.fixture
def settings_for() -> Callable[..., Settings]:
    def build(simulator: Simulator, **overrides: Any) -> Settings:
        return settings_from(Settings, "BOOKINGSONE_", simulator, **overrides)  # type: ignore[no-any-return]

    return build


@pytest.fixture
async def make_client(sim: Simulator,
                      settings_for: Callable[..., Settings]) -> AsyncIterator[Callable[..., BookingsOneClient]]:
    made: list[BookingsOneClient] = []

    def build(**overrides: Any) -> BookingsOneClient:
        client = BookingsOneClient(settings_for(sim, **overrides))
        made.append(client)
        return client

    yield build
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: Callable[..., BookingsOneClient]) -> BookingsOneClient:
    return make_client()


@pytest.fixture
async def receiver() -> AsyncIterator[SimpleNamespace]:
    """A tiny web app standing for the bot's callback route."""
    got: list[Any] = []
    arrived = asyncio.Event()

    async def hook(request: Request) -> Response:
        got.append(await request.json())
        arrived.set()
        return Response(status_code=204)

    server = BackgroundServer(Starlette(routes=[Route("/hook/{secret}", hook, methods=["POST"])]))
    url = await server.start()
    try:
        yield SimpleNamespace(url=f"{url}/hook/s3cret", got=got, arrived=arrived)
    finally:
        await server.stop()
