"""Every pressed button answered exactly once, and early.

Telegram shows a spinner on a pressed button until the bot answers the
callback query, and refuses a second answer. :func:`answer` is the one way
the bot answers: it remembers which queries were answered, so whoever comes
second (a step's ``reply``, the error handler, a late toast) makes no call.

:class:`~bot.ui.buttons.ButtonHandler` answers before the handler's work
starts (a vendor call may take seconds), except for handlers marked
:func:`answers_itself`, whose toast depends on what they find: those get
:data:`ANSWER_WITHIN` seconds to answer, after which an empty answer stops
the spinner and their later toast is dropped (logged).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from telegram import CallbackQuery, Update
from telegram.error import TelegramError

log = logging.getLogger("bot.conversations")

#: Seconds a handler that answers itself has before the button is answered for it.
ANSWER_WITHIN = 0.5
# Queries answered lately (ids); a query is never answered long after it was pressed.
_REMEMBERED = 4096
_answered: OrderedDict[str, None] = OrderedDict()
_background: set[asyncio.Task[bool]] = set()
_self_answering: weakref.WeakSet[Callable[..., object]] = weakref.WeakSet()

F = TypeVar("F", bound=Callable[..., object])


def answers_itself(handler: F) -> F:
    """Mark a button handler that answers its query itself (a toast saying what it found)."""
    _self_answering.add(handler)
    return handler


def does_answer_itself(handler: object) -> bool:
    """Marked itself, or wraps (``functools.wraps``) a handler that is."""
    seen = 0
    while handler is not None and seen < 10:
        if isinstance(handler, Hashable) and handler in _self_answering:
            return True
        if getattr(handler, "answers_itself", None) is True:  # e.g. a for_owner wrapper
            return True
        handler, seen = getattr(handler, "__wrapped__", None), seen + 1
    return False


def answered(update: Update) -> bool:
    query = update.callback_query
    return query is not None and query.id in _answered


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> bool:
    """Answer the pressed button (a toast with ``text``) unless it was answered already.

    True when this call answered it; a refused answer is no failure (logged).
    """
    query = update.callback_query
    if query is None:
        return False
    if query.id in _answered:
        if text:
            log.info("button answered already; toast not shown: %s", text)
        return False
    _remember(query.id)
    await _send(query, text, alert)
    return True


def answer_soon(update: Update) -> None:
    """Answer the pressed button (empty) without waiting for Telegram's reply.

    The step's own calls (its edit) go out alongside instead of a round trip later;
    the query counts as answered at once, so nobody answers it a second time.
    """
    query = update.callback_query
    if query is None or query.id in _answered:
        return
    _remember(query.id)
    task = asyncio.ensure_future(_send(query, None, False))
    _background.add(task)
    task.add_done_callback(_background.discard)


def _remember(query_id: str) -> None:
    _answered[query_id] = None
    while len(_answered) > _REMEMBERED:
        _answered.popitem(last=False)


async def _send(query: CallbackQuery, text: str | None, alert: bool) -> None:
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as exc:
        log.info("could not answer a callback query: %s", exc)


def answer_by(update: Update, delay: float = ANSWER_WITHIN) -> asyncio.TimerHandle | None:
    """Answer empty after ``delay`` unless answered by then; cancel the handle when done."""
    if update.callback_query is None:
        return None

    def fire() -> None:
        if not answered(update):
            task = asyncio.ensure_future(answer(update))
            _background.add(task)
            task.add_done_callback(_background.discard)

    return asyncio.get_running_loop().call_later(delay, fire)
