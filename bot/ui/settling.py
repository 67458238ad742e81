"""One settlement of a claim at a time, whoever settles it.

A claim (a booking or a queue join written down before the vendor is called)
can be settled by the user's own repeat (a tap on Confirm, the contact sent
again) and by the recovery run shortly after a restart. Both live in this one
process, so a lock per claim key is enough for exactly one of them to act:
the other, once it has the lock, finds the claim settled and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone

from telegram.ext import Application, ContextTypes

from bot.runtime import BotApplication, bot_application

_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@contextlib.asynccontextmanager
async def settling(key: str) -> AsyncIterator[None]:
    """Hold ``key``'s lock while settling its claim."""
    lock = _locks.get(key)
    if lock is None:
        lock = _locks[key] = asyncio.Lock()
    async with lock:
        yield


Recovery = Callable[[BotApplication, datetime], Awaitable[int]]


def recover_after_start(application: Application, delay: float, name: str,  # type: ignore[type-arg]
                        recover: Recovery) -> None:
    """Run ``recover`` once, ``delay`` seconds from now, for claims made before now.

    Not at once: a vendor still finishing a request sent just before the crash
    has had time to record it by then.
    """
    started = datetime.now(timezone.utc)
    assert application.job_queue is not None

    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        await recover(bot_application(context.application), started)

    application.job_queue.run_once(run, when=delay, name=name)
