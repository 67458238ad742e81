"""Chats in parallel, each chat in order: the update processor.

python-telegram-bot processes one update at a time unless told otherwise, so
one slow step (a vendor taking seconds, a reply waiting for its chat's
sending budget) made every other user wait. Its documented extension point
for concurrency is a custom ``BaseUpdateProcessor``; this one runs updates of
different chats at once but those of one chat, and of one user (whose
``user_data`` they share, also across a private chat and a group), strictly
one after another in arrival order: a conversation's state and a user's
draft never see two steps at once, and a double tap is handled as two taps
in a row, as before.

Two bounds: at most ``max_in_flight`` updates run at a time (the rest wait
their turn without running), and an update waiting behind its own chat does
not count, so one user sending a hundred messages occupies one slot, not a
hundred. (The base class's own semaphore is set far higher; it only bounds
how many updates may wait in memory.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# How many updates may wait (in memory, as tasks) before the fetcher stalls.
_WAITING_BOUND = 100_000


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates of one chat or user in order; different ones concurrently."""

    def __init__(self, max_in_flight: int = 64) -> None:
        super().__init__(max_concurrent_updates=_WAITING_BOUND)
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be positive")
        self.max_in_flight = max_in_flight
        self._running: asyncio.Semaphore | None = None
        # Per chat or user key: the turn of the last update queued for it.
        self._tails: dict[tuple[str, int], asyncio.Future[None]] = {}

    async def initialize(self) -> None:
        self._running = asyncio.Semaphore(self.max_in_flight)

    async def shutdown(self) -> None:
        self._tails.clear()

    @property
    def waiting_keys(self) -> int:
        """Chats and users with an update running or queued (introspection, tests)."""
        return len(self._tails)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._running is None:
            self._running = asyncio.Semaphore(self.max_in_flight)
        keys = _keys(update)
        # Claiming the turn happens before the first await: tasks start in the
        # order the updates arrived, so turns are handed out in that order.
        before = {self._tails[key] for key in keys if key in self._tails}
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._tails[key] = mine
        started = False
        try:
            if before:
                await asyncio.wait(before)
            async with self._running:
                started = True
                await coroutine
        finally:
            if not started:
                _close(coroutine)
            self._pass_turn(keys, mine, before)

    def _pass_turn(self, keys: list[tuple[str, int]], mine: asyncio.Future[None],
                   before: set[asyncio.Future[None]]) -> None:
        """Let the next update of these keys go, but never ahead of an earlier one
        still running (possible only when this one was cancelled while waiting)."""
        pending = [turn for turn in before if not turn.done()]

        def done(*_: object) -> None:
            if not mine.done():
                mine.set_result(None)
            for key in keys:
                if self._tails.get(key) is mine:
                    del self._tails[key]

        if not pending:
            done()
            return
        remaining = len(pending)

        def one_done(_: object) -> None:
            nonlocal remaining
            remaining -= 1
            if remaining == 0:
                done()

        for turn in pending:
            turn.add_done_callback(one_done)


def _keys(update: object) -> list[tuple[str, int]]:
    if not isinstance(update, Update):
        return []
    keys = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return keys


def _close(coroutine: Awaitable[Any]) -> None:
    """A coroutine that will never run is closed, so Python does not warn about it."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
