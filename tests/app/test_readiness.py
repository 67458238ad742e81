"""A standby is alive but not ready: load balancers must send Telegram to the leader."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx

from bot.app.receiving import Receiver
from bot.app.web import build_web_app


class _Db:
    async def fetchone(self, _sql: str) -> tuple[int]:
        return (1,)


def _client(ready: bool) -> httpx.AsyncClient:
    application: Any = SimpleNamespace(
        running=ready, services=SimpleNamespace(storage=SimpleNamespace(db=_Db()))
    )
    app = build_web_app(application, Receiver(application), webhook_secret="s", ready=lambda: ready)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot")


async def test_standby_is_healthy_but_not_ready_and_refuses_updates() -> None:
    async with _client(ready=False) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 503
        update = await client.post("/telegram", json={"update_id": 1},
                                   headers={"X-Telegram-Bot-Api-Secret-Token": "s"})  # fmt: skip
        assert update.status_code == 503  # Telegram retries; the leader takes it


async def test_leader_is_healthy_and_ready() -> None:
    async with _client(ready=True) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).json() == {"status": "leader"}
