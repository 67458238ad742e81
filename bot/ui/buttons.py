"""Handlers for typed buttons: the decoded payload in, every query answered.

A :class:`ButtonHandler` matches a callback query only when its data decodes
as the payload kind it was built for (:mod:`bot.ui.callbacks`), and hands the
decoded payload to the callback, so no handler parses a string or meets
garbage. Buttons of a flow are also checked against the flow run that is
current for the user: a button from an earlier run is answered as stale
instead of acting on today's draft.

Whatever no handler takes (empty data, an unknown prefix, a 54-digit id, a
button of a flow that ended) reaches :func:`stale_buttons`, registered last,
which answers with a toast; so every query gets exactly one answer.

The answer comes first: once the payload is checked (stale, not the user's),
the button is answered, and the handler works meanwhile (it does not wait for
the answer's round trip), so the spinner stops at once however long a vendor
takes. A handler whose toast says what
it found is marked :func:`~bot.ui.answers.answers_itself` and answers within
:data:`~bot.ui.answers.ANSWER_WITHIN` seconds, or is answered for.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler, filters

from bot.runtime import BotContext
from bot.ui.answers import answer, answer_by, answer_soon, does_answer_itself
from bot.ui.callbacks import CallbackData, FlowButton

log = logging.getLogger("bot.conversations")
D = TypeVar("D", bound=CallbackData)
ButtonCallback = Callable[[Update, BotContext, D], Awaitable[object]]


class Owned(Protocol):
    """A stored row that belongs to one Telegram user (a booking, a ticket)."""

    @property
    def owner(self) -> int: ...


R = TypeVar("R", bound=Owned)


class FlowRun(Protocol):
    """What a flow's draft class tells about the run that is current (see UserDataDraft)."""

    @classmethod
    def flow_of(cls, user_data: dict[str, Any] | None) -> str | None: ...


async def toast(update: Update, text: str) -> None:
    """Answer the pressed button with a short notice; a refused answer is no failure."""
    await answer(update, text)


async def answer_stale(update: Update, context: BotContext) -> None:
    """A button that no longer means anything: said once, nothing changed."""
    await toast(update, context.t._("That button is no longer active."))


async def answer_not_yours(update: Update, context: BotContext) -> None:
    """A payload naming someone else's booking, ticket or summary (copied or forged)."""
    await toast(update, context.t._("That button is not yours: nothing was changed."))


@dataclass(frozen=True)
class ForOwner(Generic[D, R]):
    """A button callback whose row is checked against who pressed (see :func:`for_owner`)."""

    lookup: Callable[[BotContext, D], Awaitable[R | None]]
    handler: Callable[[Update, BotContext, D, R | None], Awaitable[object]]

    @property
    def answers_itself(self) -> bool:
        return does_answer_itself(self.handler)

    async def check(self, update: Update, context: BotContext, button: D) -> tuple[bool, R | None]:
        """(False, _) after refusing with a toast; else (True, the row or None)."""
        row = await self.lookup(context, button)
        user = update.effective_user
        if row is not None and (user is None or row.owner != user.id):
            await answer_not_yours(update, context)
            return False, None
        return True, row

    async def __call__(self, update: Update, context: BotContext, button: D) -> object:
        allowed, row = await self.check(update, context, button)
        if not allowed:
            return None
        return await self.handler(update, context, button, row)


def for_owner(
    lookup: Callable[[BotContext, D], Awaitable[R | None]],
    handler: Callable[[Update, BotContext, D, R | None], Awaitable[object]],
) -> ForOwner[D, R]:
    """The row a button names, checked against who pressed before ``handler`` sees it.

    Ids in buttons are easy to copy or forge, so a row of another user is
    refused with a toast and reaches no handler; ``None`` (no such row) is
    passed on, for the handler to say the thing is gone. The check comes
    before the button is answered, so the refusal is the answer.
    """
    return ForOwner(lookup, handler)


class ButtonHandler(CallbackQueryHandler):  # type: ignore[type-arg]
    """Runs ``callback(update, context, payload)`` for queries whose data decodes as ``kind``.

    ``users`` limits it to updates that filter accepts (e.g. staff); with
    ``flow``, a :class:`~bot.ui.callbacks.FlowButton` whose nonce is not the
    current run of that flow is answered as stale and changes nothing (the
    callback's result is then ``None``: a conversation stays where it is).

    The query is answered (empty) after those checks and before ``callback``
    runs, unless ``callback`` :func:`~bot.ui.answers.answers_itself`.
    """

    def __init__(
        self,
        kind: type[D],
        callback: ButtonCallback[D],
        *,
        flow: type[FlowRun] | None = None,
        users: filters.UpdateFilter | None = None,
        block: bool = True,
    ) -> None:
        self.kind = kind
        self.users = users
        self_answering = does_answer_itself(callback)
        owned = callback if isinstance(callback, ForOwner) else None

        async def run(update: Update, context: BotContext) -> object:
            query = update.callback_query
            payload = kind.decode(query.data if query is not None else None)
            if payload is None:  # check_update decoded it; only a bug lands here
                await answer_stale(update, context)
                return None
            if flow is not None and isinstance(payload, FlowButton):
                if payload.flow != flow.flow_of(context.user_data):
                    await answer_stale(update, context)
                    return None
            row: Any = None
            if owned is not None:
                allowed, row = await owned.check(update, context, payload)
                if not allowed:
                    return None
            if not self_answering:
                answer_soon(update)
                return await _call(update, context, payload, row)
            deadline = answer_by(update)
            try:
                result = await _call(update, context, payload, row)
            finally:
                if deadline is not None:
                    deadline.cancel()
            await answer(update)  # it had nothing to say: the spinner still stops
            return result

        async def _call(update: Update, context: BotContext, payload: Any, row: Any) -> object:
            if owned is not None:
                return await owned.handler(update, context, payload, row)
            return await callback(update, context, payload)

        if not isinstance(callback, ForOwner):
            run = functools.wraps(callback)(run)
        super().__init__(run, pattern=kind.pattern(), block=block)

    def check_update(self, update: object) -> bool | None:
        # Not the parent's rule: it lets empty data match every pattern.
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        # filter(), not check_update(): PTB's filters pass only message updates there.
        if self.users is not None and not self.users.filter(update):
            return False
        return self.kind.matches(update.callback_query.data)

    def collect_additional_context(self, context: Any, update: Any, application: Any, check_result: Any) -> None:
        """No regex match to hand over: the callback gets the decoded payload instead."""


def stale_buttons() -> CallbackQueryHandler:  # type: ignore[type-arg]
    """The catch-all, registered after every other handler: any query left is stale."""
    return CallbackQueryHandler(answer_stale)
