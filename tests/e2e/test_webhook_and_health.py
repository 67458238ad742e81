"""Webhook mode through the fake Telegram, the secret header, /healthz and /readyz."""

from __future__ import annotations

import socket

import httpx

from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, bot_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_answers_and_checks_the_secret(world: LocalWorld, tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = bot_env(world, tmp_path, BOT_MODE="webhook", PUBLIC_URL=url, WEB_PORT=str(port))
    process = BotProcess(env, tmp_path / "bot.log")
    try:
        await process.start_until(world, lambda: world.telegram.bot().webhook is not None)
        user = world.telegram.user(501, first_name="Wen", language_code="de")
        user.send_command("/start")
        assert (await user.wait_screen()).text.startswith("Hallo Wen")
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{url}/healthz")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            ready = await client.get(f"{url}/readyz")  # the only process: the leader
            assert ready.status_code == 200 and ready.json()["status"] == "leader"
            forged = await client.post(f"{url}/telegram", json={"update_id": 1},
                                       headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            assert forged.status_code == 403
            missing = await client.post(f"{url}/telegram", json={"update_id": 1})
            assert missing.status_code == 403
    finally:
        await process.terminate()


async def test_an_update_delivered_twice_in_one_run_is_handled_once(world: LocalWorld, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Telegram retries a webhook call it saw fail; the retry of an update the bot has
    handled since it started is recognised (no longer by a query for every update)."""
    from types import SimpleNamespace

    from pydantic import SecretStr

    from bot.app.runner import webhook_secret
    from tests.conftest import wait_until

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = bot_env(world, tmp_path, BOT_MODE="webhook", PUBLIC_URL=url, WEB_PORT=str(port))
    secret = webhook_secret(SimpleNamespace(  # type: ignore[arg-type]
        webhook_secret=None, bot_secret_key=SecretStr(env["BOT_SECRET_KEY"])))
    process = BotProcess(env, tmp_path / "bot.log")
    try:
        await process.start_until(world, lambda: world.telegram.bot().webhook is not None)
        user = world.telegram.user(502, first_name="Dup", language_code="en")
        user.send_command("/start")
        assert (await user.wait_screen()).text.startswith("Hello Dup")
        update_id = world.telegram.bot().next_update_id - 1
        body = {"update_id": update_id, "message": {
            "message_id": 1, "date": 1700000000, "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "chat": {"id": 502, "type": "private", "first_name": "Dup"},
            "from": {"id": 502, "is_bot": False, "first_name": "Dup", "language_code": "en"}}}
        async with httpx.AsyncClient() as client:
            again = await client.post(f"{url}/telegram", json=body,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        assert again.status_code == 200
        await wait_until(lambda: f"update={update_id} duplicate, skipped" in process.logs(),
                         timeout=20)
        assert len(user.bot_messages()) == 1
    finally:
        await process.terminate()
