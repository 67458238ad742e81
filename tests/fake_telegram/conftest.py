"""Shared fixtures: a started fake with one bot, a raw Bot API client and a PTB ``Bot``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from telegram import Bot

from bot.fake_telegram import FakeClock, FakeTelegram, FloodLimits

TOKEN = "123456:TEST-token"
BOT_USERNAME = "test_bot"


@dataclass
class ApiError:
    status: int
    description: str
    body: dict[str, Any]


class RawApi:
    """Calls the fake exactly as an HTTP client would, without python-telegram-bot in between."""

    def __init__(self, client: httpx.AsyncClient, token: str = TOKEN) -> None:
        self.client = client
        self.token = token

    async def call(self, method: str, *, form: bool = False, token: str | None = None,
                   **params: Any) -> httpx.Response:
        url = f"/bot{token or self.token}/{method}"
        if form:
            return await self.client.post(url, data=params)
        return await self.client.post(url, json=params)

    async def ok(self, method: str, **params: Any) -> Any:
        response = await self.call(method, **params)
        body = response.json()
        assert response.status_code == 200 and body["ok"] is True, body
        return body["result"]

    async def error(self, method: str, **params: Any) -> ApiError:
        response = await self.call(method, **params)
        body = response.json()
        assert body["ok"] is False, body
        assert body["error_code"] == response.status_code
        return ApiError(response.status_code, body["description"], body)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(limits=FloodLimits.disabled()) as server:
        server.register_bot(TOKEN, BOT_USERNAME)
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def limited_fake(clock: FakeClock) -> AsyncIterator[FakeTelegram]:
    """Flood limits on, with the default Telegram-like numbers, on a manual clock."""
    async with FakeTelegram(limits=FloodLimits(), clock=clock) as server:
        server.register_bot(TOKEN, BOT_USERNAME)
        yield server


@pytest.fixture
async def api(fake: FakeTelegram) -> AsyncIterator[RawApi]:
    async with httpx.AsyncClient(base_url=fake.url or "", trust_env=False) as client:
        yield RawApi(client)


@pytest.fixture
async def ptb_bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
        yield bot
