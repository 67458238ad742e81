"""A real bot process: kill -9 mid-conversation, restart, carry on; logs keep secrets."""

from __future__ import annotations

import re

from bot.fake_telegram import BotMessage
from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess


def has_data(prefix: str):  # type: ignore[no-untyped-def]
    def match(message: BotMessage) -> bool:
        return any(d and d.startswith(prefix) for row in message.callback_data for d in row)

    return match


async def test_kill_9_keeps_language_and_the_unfinished_booking(
    world: LocalWorld, bot_process: BotProcess
) -> None:
    user = world.telegram.user(401, first_name="Gio", language_code="en")
    user.send_command("/language")
    menu = await user.wait_screen(has_data("lang:"))
    user.press("Italiano", message_id=menu.message_id)
    await user.wait_screen(lambda m: "italiano" in (m.text or "").lower())

    user.send_command("/book")
    await user.wait_screen(has_data("bk:site:"))
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))

    await bot_process.kill()
    await bot_process.start(world)

    user.press("Registry office")  # the flow goes on where it stopped
    days = await user.wait_screen(has_data("bk:day:"))
    assert days.message_id  # the day step, in the persisted conversation
    user.send_command("/start")
    assert (await user.wait_screen()).text.startswith("Ciao Gio")


async def test_logs_of_a_full_conversation_hold_no_secret(world: LocalWorld, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import bot_env

    env = bot_env(world, tmp_path, LOG_LEVEL="DEBUG")
    process = BotProcess(env, tmp_path / "debug.log")
    await process.start(world)
    try:
        user = world.telegram.user(402, language_code="en")
        user.send_command("/start")
        await user.wait_screen()
        user.send_command("/book")
        await user.wait_screen(has_data("bk:site:"))
        user.press("Roma Termini")
        await user.wait_screen(has_data("bk:svc:"))
        user.press("Registry office")
        await user.wait_screen(has_data("bk:day:"))
        user.send_command("/my")
        await user.wait_screen(lambda m: "bookings" in (m.text or ""))
    finally:
        await process.terminate()
    logs = process.logs()
    assert "update=" in logs and "vendor=ufirst" in logs  # the log did capture the conversation
    secrets = {name: value for name, value in env.items()
               if any(word in name for word in ("TOKEN", "SECRET", "KEY", "EMAIL"))}
    secrets["bot token secret part"] = env["TELEGRAM_BOT_TOKEN"].split(":", 1)[1]
    assert secrets
    for name, value in secrets.items():
        assert value not in logs, f"{name} leaked into the logs"
    raw_id = re.compile(r"(?<![\d,:.])402(?!\d)")  # not inside a timestamp's milliseconds
    assert not raw_id.search(logs), "raw Telegram user id in the logs"
