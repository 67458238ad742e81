"""getUpdates semantics, routing, authentication and parameter encodings."""

from __future__ import annotations

import asyncio
import time

import httpx

from bot.fake_telegram import FakeTelegram


async def test_update_ids_increase_and_offset_confirms(fake: FakeTelegram, api) -> None:
    ada = fake.user(2001)
    for text in ("one", "two", "three"):
        ada.send_text(text)
    first = await api.ok("getUpdates")
    ids = [u["update_id"] for u in first]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [u["message"]["text"] for u in first] == ["one", "two", "three"]
    # Without confirming, the same updates come back.
    assert [u["update_id"] for u in await api.ok("getUpdates")] == ids
    # offset = last + 1 confirms everything before it.
    assert await api.ok("getUpdates", offset=ids[-1] + 1) == []
    ada.send_text("four")
    fourth = await api.ok("getUpdates", offset=ids[-1] + 1)
    assert [u["update_id"] for u in fourth] == [ids[-1] + 1]


async def test_offset_in_the_middle_limit_and_negative_offset(fake: FakeTelegram, api) -> None:
    ada = fake.user(2002)
    for n in range(5):
        ada.send_text(f"m{n}")
    ids = [u["update_id"] for u in await api.ok("getUpdates")]
    limited = await api.ok("getUpdates", offset=ids[2], limit=2)
    assert [u["update_id"] for u in limited] == ids[2:4]
    # Updates before ids[2] were confirmed and are gone for good.
    assert [u["update_id"] for u in await api.ok("getUpdates")] == ids[2:]
    assert [u["update_id"] for u in await api.ok("getUpdates", offset=-1)] == ids[-1:]
    assert [u["update_id"] for u in await api.ok("getUpdates")] == ids[-1:]


async def test_long_poll_returns_as_soon_as_an_update_arrives(fake: FakeTelegram, api) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(api.ok("getUpdates", timeout=20))
    await fake.wait_until(lambda: fake.calls["getUpdates"] == 1, timeout=5)
    assert not poll.done()
    fake.user(2003).send_text("wake up")
    updates = await asyncio.wait_for(poll, timeout=5)
    assert [u["message"]["text"] for u in updates] == ["wake up"]
    assert time.monotonic() - started < 10


async def test_long_poll_times_out_empty(api) -> None:
    started = time.monotonic()
    assert await api.ok("getUpdates", timeout=1) == []
    assert time.monotonic() - started >= 0.9


async def test_newer_poll_terminates_older_one(fake: FakeTelegram, api) -> None:
    older = asyncio.create_task(api.call("getUpdates", timeout=20))
    await fake.wait_until(lambda: fake.bot().poll_generation == 1, timeout=5)
    assert await api.ok("getUpdates", timeout=0) == []
    response = await asyncio.wait_for(older, timeout=5)
    assert response.status_code == 409
    assert "terminated by other getUpdates request" in response.json()["description"]


async def test_allowed_updates_filters_kinds(fake: FakeTelegram, api) -> None:
    ada = fake.user(2004)
    await api.ok("sendMessage", chat_id=ada.id, text="pick",
                 reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    ada.send_text("ignored")
    ada.press("A")
    updates = await api.ok("getUpdates", allowed_updates=["callback_query"])
    assert [next(k for k in u if k != "update_id") for u in updates] == ["callback_query"]
    assert updates[0]["callback_query"]["data"] == "a"
    assert updates[0]["callback_query"]["message"]["text"] == "pick"


async def test_unknown_token_and_unknown_method(fake: FakeTelegram, api) -> None:
    response = await api.call("getMe", token="999:nope")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    missing = await api.error("sendTelepathy")
    assert (missing.status, missing.description) == (404, "Not Found")


async def test_methods_are_case_insensitive_and_all_encodings_parse(fake: FakeTelegram, api) -> None:
    me = await api.ok("GETME")
    assert me["username"] == "test_bot" and me["is_bot"] is True
    ada = fake.user(2005)
    base = f"/bot{api.token}"
    query = await api.client.get(f"{base}/sendmessage", params={"chat_id": ada.id, "text": "q"})
    form = await api.call("sendMessage", form=True, chat_id=str(ada.id), text="f",
                          reply_markup='{"inline_keyboard":[[{"text":"x","callback_data":"y"}]]}')
    multipart = await api.client.post(f"{base}/sendMessage",
                                      data={"chat_id": str(ada.id), "text": "m"},
                                      files={"unused": ("n.txt", b"1", "text/plain")})
    assert [r.status_code for r in (query, form, multipart)] == [200, 200, 200]
    assert [m.text for m in ada.bot_messages()] == ["q", "f", "m"]
    assert ada.bot_messages()[1].buttons == [["x"]]
    assert fake.calls["sendMessage"] == 3


async def test_message_ids_per_chat_and_real_dates(fake: FakeTelegram, api) -> None:
    ada, bob = fake.user(2006), fake.user(2007, first_name="Bob")
    first = await api.ok("sendMessage", chat_id=ada.id, text="a1")
    ada.send_text("a2")
    other = await api.ok("sendMessage", chat_id=bob.id, text="b1")
    second = await api.ok("sendMessage", chat_id=ada.id, text="a3")
    assert (first["message_id"], second["message_id"]) == (1, 3)
    assert other["message_id"] == 1
    assert abs(second["date"] - time.time()) < 5
    assert second["chat"] == {"id": ada.id, "type": "private", "first_name": "Ada"}


async def test_stop_releases_pending_long_poll() -> None:
    fake = FakeTelegram()
    fake.register_bot("1:x", "x_bot")
    await fake.start()
    async with httpx.AsyncClient(base_url=fake.url or "", trust_env=False) as client:
        poll = asyncio.create_task(client.post("/bot1:x/getUpdates", json={"timeout": 30}))
        await fake.wait_until(lambda: fake.calls["getUpdates"] == 1, timeout=5)
        started = time.monotonic()
        await fake.stop()
        response = await asyncio.wait_for(poll, timeout=5)
    assert response.json() == {"ok": True, "result": []}
    assert time.monotonic() - started < 3
