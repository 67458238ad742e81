"""/start, /language and surviving a restart, through the fake Bot API."""

from __future__ import annotations

import pytest

from bot.sandbox.world import LocalWorld
from tests.conftest import RunningBot, wait_until

WELCOME = {
    "en": "Hello",
    "it": "Ciao",
    "fr": "Bonjour",
    "de": "Hallo",
}


@pytest.mark.parametrize("language", ["en", "it", "fr", "de"])
async def test_start_answers_in_the_telegram_language(
    world: LocalWorld, bot: RunningBot, language: str
) -> None:
    user = world.telegram.user(101, first_name="Ada", language_code=language)
    user.send_command("/start")
    message = await user.wait_message()
    assert message.text.startswith(WELCOME[language] + " Ada"), message.text
    assert "/book" in message.text


async def test_unknown_telegram_language_falls_back_to_english(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(102, language_code="pt-br")
    user.send_command("/start")
    assert (await user.wait_message()).text.startswith("Hello")


async def test_language_command_switches_and_persists_across_restart(
    world: LocalWorld, bot: RunningBot
) -> None:
    user = world.telegram.user(103, first_name="Luca", language_code="en")
    user.send_command("/language")
    menu = await user.wait_message()
    assert "Italiano" in menu.labels
    user.press("Italiano")
    confirmation = await user.wait_edit(menu.message_id)
    assert "italiano" in confirmation.text.lower()

    await bot.stop()
    await bot.start(world)

    user.send_command("/start")
    assert (await user.wait_message()).text.startswith("Ciao Luca")


async def test_command_menu_is_set_per_language(world: LocalWorld, bot: RunningBot) -> None:
    def languages() -> set[str]:
        return {key[1] for key in world.telegram.bot().commands}  # type: ignore[attr-defined]

    # Set once updates flow (a nicety, not worth delaying the first answer for).
    await wait_until(lambda: {"en", "it", "fr", "de"} <= languages())


async def test_optional_methods_missing_on_the_server_break_nothing(
    world: LocalWorld, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    """Some Bot API–compatible servers implement only the core methods."""
    from tests.conftest import BotProcess, book_until_summary, bot_env

    world.telegram.unsupported |= {"setmycommands", "senddocument", "sendchataction", "deletemessage"}
    process = BotProcess(bot_env(world, tmp_path), tmp_path / "bot.log")
    await process.start(world)
    try:
        user = world.telegram.user(104, language_code="en")
        user.send_command("/start")
        assert (await user.wait_screen()).text.startswith("Hello")
        summary = await book_until_summary(user)
        user.press("Confirm", message_id=summary.message_id)
        await user.wait_screen(lambda m: "You are booked" in (m.text or ""))
        user.send_command("/help")
        assert "/book" in (await user.wait_screen()).text
    finally:
        await process.terminate()
    assert world.telegram.calls["sendDocument"] >= 1  # it was tried, refused, and shrugged off
