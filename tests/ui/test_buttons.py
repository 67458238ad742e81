"""Typed button handlers: matching only what decodes, and the staff filter on button presses."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.ui import callbacks as cb
from bot.ui.access import staff_only
from bot.ui.answers import answers_itself
from bot.ui.buttons import ButtonHandler, toast
from tests.conftest import wait_until


def _press(data: str | None, user_id: int = 1, query_id: str = "q1") -> Update:
    query = {"id": query_id, "from": {"id": user_id, "is_bot": False, "first_name": "A"},
             "chat_instance": "c"}
    if data is not None:
        query["data"] = data
    return Update.de_json({"update_id": 1, "callback_query": query}, None)


async def _noop(*_: object) -> None:
    return None


def test_a_button_handler_matches_only_payloads_of_its_kind() -> None:
    handler = ButtonHandler(cb.SlotPick, _noop)
    assert handler.check_update(_press("bk:slot:a1b2c3:4"))
    for data in ("", None, "bk:slot:a1b2c3:x", "bk:site:a1b2c3:4", "bk:slot:a1b2c3:" + "9" * 54):
        assert not handler.check_update(_press(data)), data
    # Why it overrides check_update: PTB's own handler takes empty data for any pattern.
    assert CallbackQueryHandler(_noop, pattern=r"^bk:slot:").check_update(_press(""))


def test_the_staff_filter_looks_at_who_pressed() -> None:
    staff = staff_only([7])
    handler = ButtonHandler(cb.StaffButton, _noop, users=staff)
    assert handler.check_update(_press("st:next", user_id=7))
    assert not handler.check_update(_press("st:next", user_id=8))
    assert not ButtonHandler(cb.StaffButton, _noop, users=staff_only([])).check_update(_press("st:next", 7))


class _Bot:
    def __init__(self) -> None:
        self.answers: list[str | None] = []

    async def answer_callback_query(self, callback_query_id: str, text: str | None = None,
                                    **_: object) -> bool:
        self.answers.append(text)
        return True


def _bound_press(query_id: str) -> tuple[Update, _Bot]:
    update = _press("bk:slot:a1b2c3:4", query_id=query_id)
    bot = _Bot()
    assert update.callback_query is not None
    update.callback_query.set_bot(bot)  # type: ignore[arg-type]
    return update, bot


async def test_the_button_is_answered_while_the_handler_works_and_only_once() -> None:
    """The answer does not wait for the step (a vendor may take seconds), nor does the
    step wait for the answer's round trip; the step's own toast makes no second call."""
    update, bot = _bound_press("q-first")
    release = asyncio.Event()

    async def slow_step(_update: Update, _context: object, _button: cb.SlotPick) -> None:
        await release.wait()  # a vendor taking its time
        await toast(_update, "too late: answered already")

    running = asyncio.ensure_future(ButtonHandler(cb.SlotPick, slow_step).callback(update, None))  # type: ignore[arg-type]
    await wait_until(lambda: bot.answers, timeout=10)  # answered, or TimeoutError
    assert not running.done() and bot.answers == [None]
    release.set()
    await running
    assert bot.answers == [None]


async def test_a_handler_that_answers_itself_is_answered_for_when_it_takes_long() -> None:
    update, bot = _bound_press("q-self")
    release = asyncio.Event()

    @answers_itself
    async def refresh(_update: Update, _context: object, _button: cb.SlotPick) -> None:
        await release.wait()  # a vendor taking its time
        await toast(_update, "Up to date")

    running = asyncio.ensure_future(ButtonHandler(cb.SlotPick, refresh).callback(update, None))  # type: ignore[arg-type]
    await wait_until(lambda: bot.answers, timeout=10)  # answered, or TimeoutError
    assert not running.done() and bot.answers == [None]  # answered while still working
    release.set()
    await running
    assert bot.answers == [None]  # the late toast made no second call


async def test_a_handler_that_answers_itself_in_time_gives_the_answer() -> None:
    update, bot = _bound_press("q-toast")

    @answers_itself
    async def refresh(_update: Update, _context: object, _button: cb.SlotPick) -> None:
        await toast(_update, "Up to date")

    await ButtonHandler(cb.SlotPick, refresh).callback(update, None)  # type: ignore[arg-type]
    assert bot.answers == ["Up to date"]
