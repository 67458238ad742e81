"""Flood control with an injected clock: per private chat, per group, and global limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot
from telegram.error import RetryAfter

from bot.fake_telegram import FakeClock, FakeTelegram, FloodLimits
from bot.fake_telegram.limits import FloodControl


class Api:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client, self.token = client, token

    async def send(self, chat_id: int, text: str = "hi") -> httpx.Response:
        return await self.client.post(f"/bot{self.token}/sendMessage",
                                      json={"chat_id": chat_id, "text": text})


@pytest.fixture
async def flood_api(limited_fake: FakeTelegram) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=limited_fake.url or "", trust_env=False) as client:
        yield Api(client, limited_fake.bot().token)


def assert_429(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 429
    assert response.json() == {
        "ok": False, "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }


async def test_private_chat_burst_then_one_per_second(limited_fake: FakeTelegram,
                                                      flood_api: Api, clock: FakeClock) -> None:
    ada = limited_fake.user(5001)
    for n in range(10):
        assert (await flood_api.send(ada.id, f"burst {n}")).status_code == 200
    assert_429(await flood_api.send(ada.id), 1)
    clock.advance(0.5)
    assert_429(await flood_api.send(ada.id), 1)
    clock.advance(0.5)
    assert (await flood_api.send(ada.id)).status_code == 200
    assert_429(await flood_api.send(ada.id), 1)
    assert limited_fake.throttled["sendMessage"] == 3
    assert limited_fake.calls["sendMessage"] == 14
    assert len(ada.bot_messages()) == 11
    # Another chat has its own bucket.
    assert (await flood_api.send(limited_fake.user(5002).id)).status_code == 200


async def test_edits_answers_and_actions_are_not_counted(limited_fake: FakeTelegram,
                                                         flood_api: Api) -> None:
    ada = limited_fake.user(5003)
    token = limited_fake.bot().token
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    sent = (await flood_api.client.post(f"/bot{token}/sendMessage", json={
        "chat_id": ada.id, "text": "v0", "reply_markup": markup})).json()["result"]
    for n in range(1, 15):
        edit = await flood_api.client.post(f"/bot{token}/editMessageText", json={
            "chat_id": ada.id, "message_id": sent["message_id"], "text": f"v{n}",
            "reply_markup": markup})
        assert edit.status_code == 200
        action = await flood_api.client.post(f"/bot{token}/sendChatAction",
                                             json={"chat_id": ada.id, "action": "typing"})
        assert action.status_code == 200
        answer = await flood_api.client.post(f"/bot{token}/answerCallbackQuery",
                                             json={"callback_query_id": ada.press("Go")})
        assert answer.status_code == 200
    for n in range(9):
        assert (await flood_api.send(ada.id)).status_code == 200
    assert_429(await flood_api.send(ada.id), 1)


async def test_group_chat_twenty_per_minute(limited_fake: FakeTelegram, flood_api: Api,
                                            clock: FakeClock) -> None:
    limited_fake.add_group(-100123, "Team")
    for _ in range(20):
        assert (await flood_api.send(-100123)).status_code == 200
    assert_429(await flood_api.send(-100123), 3)
    clock.advance(3)
    assert (await flood_api.send(-100123)).status_code == 200
    assert [e.kind for e in limited_fake.transcript(-100123)].count("bot_message") == 21


async def test_global_thirty_per_second(limited_fake: FakeTelegram, flood_api: Api,
                                        clock: FakeClock) -> None:
    users = [limited_fake.user(5100 + n) for n in range(31)]
    for user in users[:30]:
        assert (await flood_api.send(user.id)).status_code == 200
    assert_429(await flood_api.send(users[30].id), 1)
    clock.advance(1 / 30)
    assert (await flood_api.send(users[30].id)).status_code == 200


async def test_paid_broadcast_goes_past_the_global_limit_and_is_billed(
        limited_fake: FakeTelegram, flood_api: Api, clock: FakeClock) -> None:
    token = limited_fake.bot().token
    users = [limited_fake.user(5200 + n) for n in range(1001 + 30)]

    async def paid(user_id: int) -> httpx.Response:
        return await flood_api.client.post(f"/bot{token}/sendMessage", json={
            "chat_id": user_id, "text": "news", "allow_paid_broadcast": True})

    for user in users[:30]:  # the free budget first: nothing billed
        assert (await paid(user.id)).status_code == 200
    assert limited_fake.billed == 0
    assert_429(await flood_api.send(users[30].id), 1)  # without the flag: the free limit
    for user in users[30:1030]:
        assert (await paid(user.id)).status_code == 200
    assert limited_fake.billed == 1000
    assert_429(await paid(users[1030].id), 1)  # the paid ceiling too
    assert (await flood_api.client.get("/_control/stats")).json()["result"]["billed"] == 1000
    clock.advance(1 / 30)
    assert (await flood_api.send(users[1030].id)).status_code == 200  # free again, not billed
    assert limited_fake.billed == 1000


async def test_paid_broadcast_keeps_the_chat_limit(limited_fake: FakeTelegram,
                                                   flood_api: Api) -> None:
    ada = limited_fake.user(5005)
    token = limited_fake.bot().token
    for _ in range(10):
        assert (await flood_api.send(ada.id)).status_code == 200
    response = await flood_api.client.post(f"/bot{token}/sendMessage", json={
        "chat_id": ada.id, "text": "x", "allow_paid_broadcast": True})
    assert_429(response, 1)
    assert limited_fake.billed == 0


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_gets_retry_after(limited_fake: FakeTelegram) -> None:
    ada = limited_fake.user(5004)
    token = limited_fake.bot().token
    async with Bot(token, base_url=limited_fake.base_url) as bot:
        for _ in range(10):
            await bot.send_message(ada.id, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(ada.id, "one too many")
        with pytest.raises(RetryAfter):
            await bot.copy_message(ada.id, ada.id, 1)


async def test_custom_and_disabled_limits() -> None:
    clock = FakeClock()
    tight = FloodControl(FloodLimits(private_burst=2, private_refill_per_second=0.5), clock)
    tight.acquire(1)
    tight.acquire(1)
    with pytest.raises(Exception) as excinfo:
        tight.acquire(1)
    assert getattr(excinfo.value, "retry_after", None) == 2
    open_ = FloodControl(FloodLimits.disabled(), clock)
    for _ in range(1000):
        open_.acquire(1)


