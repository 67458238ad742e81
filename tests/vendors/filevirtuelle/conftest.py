"""Fixtures for the FileVirtuelle tests: a real simulator over HTTP, adapters on it.

Every test gets its own simulator on a free port and its own request budget,
so tests run in parallel without sharing state. Adapters sign with the
simulator's clock and their budget sleeps by moving that clock, so minutes
pass without waiting. Helpers are fixtures, not imports, so the modules work
in any pytest import mode.
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
from bot.vendors.filevirtuelle.adapter import FileVirtuelleVendor
from bot.vendors.filevirtuelle.budget import RequestBudget
from bot.vendors.filevirtuelle.config import Settings
from bot.vendors.filevirtuelle.simulator import Simulator
from tests.vendors._fixtures import serving, settings_from


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with serving(Simulator()) as simulator:
        yield simulator


@pytest.fixture
def settings_for() -> Callable[..., Settings]:
    def build(simulator: Simulator, **overrides: Any) -> Settings:
        return settings_from(Settings, "FILEVIRTUELLE_", simulator, **overrides)  # type: ignore[no-any-return]

    return build


@pytest.fixture
def sim_time(sim: Simulator) -> SimpleNamespace:
    """The simulator's clock as Unix seconds, and a sleep that moves it."""

    async def sleep(seconds: float) -> None:
        sim.clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    return SimpleNamespace(now=lambda: sim.clock.now().timestamp(), sleep=sleep)


@pytest.fixture
async def make_vendor(
    sim: Simulator, sim_time: SimpleNamespace, settings_for: Callable[..., Settings]
) -> AsyncIterator[Callable[..., FileVirtuelleVendor]]:
    made: list[FileVirtuelleVendor] = []

    def build(*, clock: Any = None, budget: RequestBudget | None = None,
              **overrides: Any) -> FileVirtuelleVendor:
        clock = clock or sim_time.now
        budget = budget or RequestBudget(clock=clock, sleep=sim_time.sleep)
        vendor = FileVirtuelleVendor(settings_for(sim, **overrides), None, budget=budget, clock=clock)
        made.append(vendor)
        return vendor

    yield build
    for vendor in made:
        await vendor.aclose()


@pytest.fixture
def vendor(make_vendor: Callable[..., FileVirtuelleVendor]) -> FileVirtuelleVendor:
    return make_vendor()


@pytest.fixture
async def receiver() -> AsyncIterator[SimpleNamespace]:
    """A tiny web app standing for the bot's ``urls.next`` endpoint."""
    got: list[Any] = []
    arrived = asyncio.Event()

    async def hook(request: Request) -> Response:
        got.append(await request.json())
        arrived.set()
        return Response(status_code=204)

    server = BackgroundServer(Starlette(routes=[Route("/fv/next", hook, methods=["POST"])]))
    url = await server.start()
    try:
        yield SimpleNamespace(url=f"{url}/fv/next", got=got, arrived=arrived)
    finally:
        await server.stop()
