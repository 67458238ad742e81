"""Typed button handlers: matching only what decodes, and the staff filter on button presses."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.ui import callbacks as cb
from bot.ui.access import staff_only
from bot.ui.buttons import ButtonHandler


def _press(data: str | None, user_id: int = 1) -> Update:
    query = {"id": "q1", "from": {"id": user_id, "is_bot": False, "first_name": "A"},
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
