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
