"""Fixtures for the Faces tests: a simulator over real HTTP, clients on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.vendors._tokens import MemoryTokenStore
from bot.vendors.faces.client import FacesClient
from bot.vendors.faces.config import Settings
from bot.vendors.faces.simulator import Simulator
from tests.vendors._fixtures import serving, settings_from

REDIRECT = "https://bot.example/oauth/faces/callback"


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with serving(Simulator()) as simulator:
        yield simulator


@pytest.fixture
def settings_for() -> Callable[..., Settings]:
    def build(simulator: Simulator, **overrides: Any) -> Settings:
        return settings_from(Settings, "FACES_", simulator, **overrides)  # type: ignore[no-any-return]

    return build


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore()


@pytest.fixture
async def make_client(sim: Simulator, store: MemoryTokenStore,
                      settings_for: Callable[..., Settings]) -> AsyncIterator[Callable[..., FacesClient]]:
    made: list[FacesClient] = []

    def build(*, settings: Settings | None = None, **kwargs: Any) -> FacesClient:
        client = FacesClient(settings or settings_for(sim), kwargs.pop("tokens", store), **kwargs)
        made.append(client)
        return client

    yield build
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: Callable[..., FacesClient]) -> FacesClient:
    return make_client()


@pytest.fixture
def consent() -> Callable[..., Any]:
    """``await consent(url)``: the user's answer on the authorize page, as the
    query of the redirect back to us (``{"code": ..., "state": ...}``)."""

    async def answer(url: str, decision: str = "approve", user: str = "remo") -> dict[str, str]:
        async with httpx.AsyncClient() as http:
            page = await http.get(url)
            assert page.status_code == 200 and "Authorize" in page.text
            response = await http.post(url, data={"decision": decision, "user": user})
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(REDIRECT)
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    return answer
