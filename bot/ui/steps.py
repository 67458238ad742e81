"""How every step handler of every flow behaves when a vendor fails."""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec

from telegram import Update

from bot.runtime import BotContext
from bot.ui.errors import user_message
from bot.ui.replies import reply
from bot.vendors import VendorError, calls_within

log = logging.getLogger("bot.conversations")
#: Seconds a step's vendor calls may take together (each also within its vendor's own
#: deadline), so that the user hears back, result or "slow", within 10 s.
STEP_VENDOR_SECONDS = 8.5

Handler = Callable[[Update, BotContext], Awaitable[object]]
P = ParamSpec("P")
StepHandler = Callable[Concatenate[Update, BotContext, P], Awaitable[object]]  # e.g. a button's payload after


def stay_on_vendor_error(step: enum.IntEnum, *, queue: bool = False) -> Callable[[StepHandler[P]], StepHandler[P]]:
    """On a vendor error, say what happened and stay on ``step``.

    Every step of every flow fails the same way: the user reads the one
    sentence :func:`~bot.ui.errors.user_message` has for the error and can
    try the same step again; nothing they entered is lost. The step's vendor
    calls share one budget (:data:`STEP_VENDOR_SECONDS`), so two slow calls in
    a row do not keep the user waiting twice a vendor's deadline.
    """

    def wrap(handler: StepHandler[P]) -> StepHandler[P]:
        @functools.wraps(handler)
        async def run(update: Update, context: BotContext, *args: P.args, **kwargs: P.kwargs) -> object:
            try:
                with calls_within(STEP_VENDOR_SECONDS):
                    return await handler(update, context, *args, **kwargs)
            except VendorError as exc:
                log.warning("step %s failed: %r", step.name, exc)
                await reply(update, context, user_message(exc, context.t, queue=queue), edit=False)
                return step

        return run

    return wrap

