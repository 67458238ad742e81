"""Webhook delivery: secret header, ordering, retries with backoff, 409 for getUpdates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.fake_telegram import FakeTelegram
from bot.asgi import BackgroundServer


class Receiver:
    """A webhook endpoint that records deliveries and can be told to fail the next N."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.secrets: list[str | None] = []
        self.attempts = 0
        self.fail_next = 0
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.attempts += 1
        if self.fail_next:
            self.fail_next -= 1
            return Response("boom", status_code=500)
        self.secrets.append(request.headers.get("x-telegram-bot-api-secret-token"))
        self.received.append(await request.json())
        return Response("ok")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver()
    async with BackgroundServer(hook.app) as server:
        yield hook, f"{server.url}/hook"


async def test_updates_are_posted_in_order_with_secret(fake: FakeTelegram, api, receiver) -> None:
    hook, url = receiver
    assert await api.ok("setWebhook", url=url, secret_token="s3cret-_Token") is True
    ada = fake.user(3001)
    for text in ("first", "second", "third"):
        ada.send_text(text)
    await fake.wait_until(lambda: len(hook.received) == 3, timeout=5)
    assert [u["message"]["text"] for u in hook.received] == ["first", "second", "third"]
    ids = [u["update_id"] for u in hook.received]
    assert ids == sorted(ids)
    assert hook.secrets == ["s3cret-_Token"] * 3
    info = await api.ok("getWebhookInfo")
    assert info["url"] == url and info["pending_update_count"] == 0


async def test_get_updates_conflicts_while_webhook_is_set(fake: FakeTelegram, api, receiver) -> None:
    _hook, url = receiver
    await api.ok("setWebhook", url=url)
    conflict = await api.error("getUpdates")
    assert conflict.status == 409
    assert conflict.description == ("Conflict: can't use getUpdates method while webhook is "
                                    "active; use deleteWebhook to delete the webhook first")
    await api.ok("deleteWebhook")
    fake.user(3002).send_text("polled again")
    updates = await api.ok("getUpdates")
    assert [u["message"]["text"] for u in updates] == ["polled again"]
    assert (await api.ok("getWebhookInfo"))["url"] == ""


async def test_failed_delivery_is_retried_before_later_updates(fake: FakeTelegram, api,
                                                               receiver) -> None:
    hook, url = receiver
    hook.fail_next = 2
    await api.ok("setWebhook", url=url)
    ada = fake.user(3003)
    ada.send_text("needs retries")
    ada.send_text("comes after")
    await fake.wait_until(lambda: len(hook.received) == 2, timeout=10)
    assert [u["message"]["text"] for u in hook.received] == ["needs retries", "comes after"]
    assert hook.attempts == 4
    info = await api.ok("getWebhookInfo")
    assert "500" in info["last_error_message"] and info["last_error_date"] > 0


async def test_drop_pending_updates_on_set_webhook(fake: FakeTelegram, api, receiver) -> None:
    hook, url = receiver
    ada = fake.user(3004)
    ada.send_text("stale")
    await api.ok("setWebhook", url=url, drop_pending_updates=True)
    ada.send_text("fresh")
    await fake.wait_until(lambda: hook.received, timeout=5)
    assert [u["message"]["text"] for u in hook.received] == ["fresh"]


async def test_ptb_bot_webhook_calls(ptb_bot, receiver) -> None:
    _hook, url = receiver
    assert await ptb_bot.set_webhook(url, secret_token="abc") is True
    info = await ptb_bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    assert await ptb_bot.delete_webhook(drop_pending_updates=True) is True
    assert (await ptb_bot.get_webhook_info()).url == ""


async def test_invalid_secret_token_is_rejected(api, receiver) -> None:
    _hook, url = receiver
    error = await api.error("setWebhook", url=url, secret_token="has space")
    assert error.description == "Bad Request: secret token contains unallowed characters"
