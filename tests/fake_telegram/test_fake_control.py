"""The /_control HTTP API, including a fake running in a separate process."""

from __future__ import annotations

import asyncio
import re
import sys

import httpx

from bot.fake_telegram import FakeTelegram


async def test_control_api_round_trip(fake: FakeTelegram, api) -> None:
    control = api.client
    sent = await control.post("/_control/users/8001/command",
                              json={"command": "/start", "first_name": "Kay"})
    assert sent.json() == {"ok": True, "result": {"message_id": 1}}
    update = (await api.ok("getUpdates"))[0]["message"]
    assert (update["text"], update["from"]["first_name"]) == ("/start", "Kay")

    await api.ok("sendMessage", chat_id=8001, text="Choose",
                 reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    nxt = (await control.get("/_control/users/8001/next", params={"timeout": 1})).json()
    assert nxt["result"]["text"] == "Choose" and nxt["result"]["buttons"] == [["A"]]
    timeout = await control.get("/_control/users/8001/next", params={"timeout": 0.05})
    assert timeout.status_code == 408

    pressed = await control.post("/_control/users/8001/press?label=A")
    assert pressed.json()["ok"] is True
    missing = await control.post("/_control/users/8001/press", json={"label": "Z"})
    assert missing.status_code == 400 and "available: ['A']" in missing.json()["error"]
    forged = await control.post("/_control/users/8001/callback", json={"data": "b:1"})
    assert forged.json()["ok"] is True

    await control.post("/_control/users/8001/text", json={"text": "hello"})
    await control.post("/_control/users/8001/location", json={"latitude": 1, "longitude": 2})
    await control.post("/_control/users/8001/contact", json={"phone_number": "+1"})
    transcript = (await control.get("/_control/chats/8001/transcript")).json()["result"]
    assert [e["kind"] for e in transcript] == ["user_message", "bot_message", "callback_query",
                                               "callback_query", "user_message", "user_message",
                                               "user_message"]
    later = (await control.get("/_control/chats/8001/transcript",
                               params={"since": transcript[3]["seq"]})).json()["result"]
    assert len(later) == 3
    stats = (await control.get("/_control/stats")).json()["result"]
    assert stats["calls"]["sendMessage"] == 1


async def test_fake_in_another_process_with_control_registration() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.fake_telegram", "--port", "0", "--no-flood-limits",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode()
        match = re.search(r"(http://[\d.]+:\d+)/bot", line)
        assert match, line
        async with httpx.AsyncClient(base_url=match.group(1), trust_env=False) as client:
            unknown = await client.post("/bot42:abc/getMe")
            assert unknown.status_code == 401
            await client.post("/_control/bots", json={"token": "42:abc", "username": "sub_bot"})
            me = (await client.post("/bot42:abc/getMe")).json()["result"]
            assert (me["id"], me["username"]) == (42, "sub_bot")
            await client.post("/_control/users/5/text", json={"text": "ping"})
            updates = (await client.post("/bot42:abc/getUpdates")).json()["result"]
            assert updates[0]["message"]["text"] == "ping"
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
