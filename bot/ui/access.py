"""Who may use staff commands and buttons: one filter built from STAFF_IDS.

Every staff-only handler is registered behind :func:`staff_only`, and a
refusal handler after it answers everybody else in their language, so a
staff handler never has to check rights itself. The filter looks at the
user who sent the update (for a button: who pressed it, not who the
message came from), which is why it is not ``filters.User``.
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.runtime import BotContext
from bot.ui import callbacks as cb
from bot.ui.answers import answers_itself
from bot.ui.buttons import ButtonHandler, toast
from bot.ui.replies import reply


class StaffFilter(filters.UpdateFilter):
    """Passes updates from one of the given Telegram user ids."""

    def __init__(self, staff_ids: Iterable[int]) -> None:
        self.staff_ids = frozenset(staff_ids)
        super().__init__(name="staff")

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.staff_ids


def staff_only(staff_ids: Iterable[int]) -> StaffFilter:
    """The filter for settings.staff_ids (STAFF_IDS); empty means nobody is staff."""
    return StaffFilter(staff_ids)


async def refuse_non_staff(update: Update, context: BotContext) -> None:
    """The answer to anyone else who sends a staff command or presses a staff button."""
    text = context.t._("Sorry, this is only for staff.")
    if update.callback_query is not None:
        await toast(update, text)
    else:
        await reply(update, context, text)


@answers_itself
async def _refuse_button(update: Update, context: BotContext, _: cb.StaffButton) -> None:
    await refuse_non_staff(update, context)


def staff_refusals(commands: Iterable[str]) -> list[BaseHandler]:  # type: ignore[type-arg]
    """The refusals, registered after every feature: staff handlers took staff's updates already."""
    handlers: list[BaseHandler] = [CommandHandler(name, refuse_non_staff) for name in commands]  # type: ignore[type-arg]
    return handlers + [ButtonHandler(cb.StaffButton, _refuse_button)]
