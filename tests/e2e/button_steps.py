"""Pressing forged, stale and copied buttons (not collected: no ``test_`` prefix)."""

from __future__ import annotations

from bot.fake_telegram import BotMessage, FakeUser

STALE = "That button is no longer active."
NOT_YOURS = "That button is not yours: nothing was changed."


def data_of(screen: BotMessage, prefix: str) -> tuple[int, str]:
    found = [d for row in screen.callback_data for d in row if d and d.startswith(prefix)]
    assert found, f"no {prefix} button on {screen.labels}"
    return screen.message_id, found[0]


async def answers(user: FakeUser, data: str, message_id: int | None = None) -> str | None:
    query = user.press_data(data, message_id=message_id)
    return (await user.wait_callback_answer(query)).text


async def nothing_else_said(user: FakeUser, before: list[BotMessage]) -> None:
    """Updates are handled in order: once /help is answered, every earlier one was.

    Nothing but the help text may be new, and no earlier message edited."""
    user.send_command("/help")
    await user.wait_message(predicate=lambda m: "Here is what I can do" in (m.text or ""))
    now = user.bot_messages()
    assert [(m.message_id, m.edit_count) for m in now[: len(before)]] == [
        (m.message_id, m.edit_count) for m in before]
    assert len(now) == len(before) + 1, [m.text for m in now[len(before):]]


async def only_toasts(user: FakeUser, presses: list[tuple[int | None, str]], expected: str) -> None:
    """Each (message id, data) pressed is answered with ``expected``; nothing else is said or edited."""
    before = user.bot_messages()
    for message_id, data in presses:
        assert await answers(user, data, message_id) == expected, data
    await nothing_else_said(user, before)
