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

With :class:`UpdateHooks` attached (the application does), two more things:

* **a flood is cut short**: when ``chat_bound`` updates of a chat or user are
  already waiting or running, a newer text message is dropped and a newer
  button press answered with a toast instead of queued; the first drop of an
  episode (until that chat's queue runs empty) brings one "slow down"
  notice. Dropped updates are recorded as processed, so they are not
  delivered again. Other updates (a shared contact, a location) still queue.
  The receiver applies the same rule as updates arrive (:meth:`admit`), from
  their JSON, so a flood's excess is never built, kept in the inbox or
  committed one by one. A flood thus costs one running slot and a handful
  of cheap drops;
* **"typing…"** shows in a chat whose update runs longer than
  ``typing_after`` seconds: a timer started with the step sends the chat
  action (and again every few seconds while it runs) and is cancelled when
  the step ends, so a fast step makes no extra call.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable
from typing import Any, Protocol

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# How many updates may wait (in memory, as tasks) before the fetcher stalls.
_WAITING_BOUND = 100_000
# Telegram shows "typing…" for about 5 s, or until the bot's next message.
_TYPING_REPEAT = 4.5

Key = tuple[str, int]


class Admission(enum.Enum):
    """What :meth:`ChatOrderedProcessor.admit` decided about an arriving update."""

    RUN = "run"  # keep and process it
    DROP = "drop"  # a flood's excess: record it as processed, nothing else
    ANSWER = "answer"  # the same, but a button press: answer it with a toast
    NOTIFY = "notify"  # the first drop of a flood episode: tell the user to slow down


class UpdateHooks(Protocol):
    """What the processor asks of the application beyond running updates."""

    async def typing(self, update: Update) -> None:
        """Show that the bot is working in the update's chat."""

    async def dropped(self, update: Update, *, notify: bool, recorded: bool) -> None:
        """Answer a dropped button press, tell the user to slow down when ``notify``,
        and record the update as processed unless it is ``recorded`` already."""


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates of one chat or user in order; different ones concurrently."""

    def __init__(self, max_in_flight: int = 64, *, chat_bound: int | None = None,
                 typing_after: float | None = None) -> None:
        super().__init__(max_concurrent_updates=_WAITING_BOUND)
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be positive")
        if chat_bound is not None and chat_bound < 1:
            raise ValueError("chat_bound must be positive")
        self.max_in_flight = max_in_flight
        self.chat_bound = chat_bound
        self.typing_after = typing_after
        self.hooks: UpdateHooks | None = None
        self._running: asyncio.Semaphore | None = None
        # Per chat or user key: the turn of the last update queued for it.
        self._tails: dict[Key, asyncio.Future[None]] = {}
        # Per key: updates waiting or running; keys in a flood episode (notice sent).
        self._pending: dict[Key, int] = {}
        self._flooding: set[Key] = set()
        self._background: set[asyncio.Task[None]] = set()
        # Updates admitted on arrival (:meth:`admit`): counted in ``_pending`` already.
        self._admitted: dict[int, list[Key]] = {}
        self.dropped = 0

    def attach(self, hooks: UpdateHooks) -> None:
        self.hooks = hooks

    async def initialize(self) -> None:
        self._running = asyncio.Semaphore(self.max_in_flight)

    async def shutdown(self) -> None:
        self._tails.clear()
        self._admitted.clear()
        self._pending.clear()
        self._flooding.clear()

    @property
    def waiting_keys(self) -> int:
        """Chats and users with an update running or queued (introspection, tests)."""
        return len(self._tails)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._running is None:
            self._running = asyncio.Semaphore(self.max_in_flight)
        admitted = (self._admitted.pop(update.update_id, None)
                    if isinstance(update, Update) else None)
        keys = admitted if admitted is not None else _keys(update)
        if admitted is None:
            if self._over_bound(keys) and isinstance(update, Update) and _droppable(update):
                _close(coroutine)
                await self._drop(update, keys)
                return
            for key in keys:
                self._pending[key] = self._pending.get(key, 0) + 1
        # Claiming the turn happens before the first await: tasks start in the
        # order the updates arrived, so turns are handed out in that order.
        before = {self._tails[key] for key in keys if key in self._tails}
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._tails[key] = mine
        started = False
        typing: _Typing | None = None
        try:
            if before:
                await asyncio.wait(before)
            async with self._running:
                started = True
                typing = self._typing_timer(update)
                await coroutine
        finally:
            if typing is not None:
                typing.cancel()
            if not started:
                _close(coroutine)
            self._pass_turn(keys, mine, before)
            self._settle(keys)

    # -- floods -------------------------------------------------------------------------
    def admit(self, update_id: int, keys: list[Key], *, droppable: bool,
              press: bool = False) -> Admission:
        """Decide on an update as it arrives, before it is built (:mod:`bot.app.receiving`),
        by the same rule as :meth:`do_process_update`. ``RUN`` counts it as waiting for its
        chat and user from now on (so the rest of its batch sees it); any other answer
        means it is dropped: the caller records it as processed and, unless ``DROP``,
        passes it to :meth:`drop_told`. ``keys`` must be what :func:`_keys` gives for the
        update built from it; ``press`` says it is a button press."""
        if droppable and self._over_bound(keys):
            told = any(key in self._flooding for key in keys)
            self._flooding.update(key for key in keys if self._pending.get(key))
            self.dropped += 1
            if not told:
                return Admission.NOTIFY
            return Admission.ANSWER if press else Admission.DROP
        if update_id not in self._admitted:  # (twice: a webhook retry while it waits)
            for key in keys:
                self._pending[key] = self._pending.get(key, 0) + 1
            self._admitted[update_id] = keys
        return Admission.RUN

    def release(self, update_id: int) -> None:
        """An admitted update that will not be processed after all (not kept)."""
        keys = self._admitted.pop(update_id, None)
        if keys is not None:
            self._settle(keys)

    async def drop_told(self, update: Update, admission: Admission) -> None:
        """The user side of an ``ANSWER`` or ``NOTIFY`` drop (recorded as processed)."""
        assert self.hooks is not None
        await self.hooks.dropped(update, notify=admission is Admission.NOTIFY, recorded=True)

    def _over_bound(self, keys: list[Key]) -> bool:
        bound = self.chat_bound
        if bound is None or self.hooks is None:
            return False
        return any(self._pending.get(key, 0) >= bound for key in keys)

    async def _drop(self, update: Update, keys: list[Key]) -> None:
        notify = not any(key in self._flooding for key in keys)
        self._flooding.update(key for key in keys if self._pending.get(key))
        self.dropped += 1
        assert self.hooks is not None
        await self.hooks.dropped(update, notify=notify, recorded=False)

    def _settle(self, keys: list[Key]) -> None:
        for key in keys:
            left = self._pending.get(key, 0) - 1
            if left > 0:
                self._pending[key] = left
            else:  # the queue ran empty: the episode is over
                self._pending.pop(key, None)
                self._flooding.discard(key)

    # -- typing -------------------------------------------------------------------------
    def _typing_timer(self, update: object) -> _Typing | None:
        if (self.hooks is None or self.typing_after is None or not isinstance(update, Update)
                or update.effective_chat is None):
            return None
        return _Typing(self.hooks, update, self.typing_after, self._background)

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


class _Typing:
    """Sends "typing…" after ``first`` seconds, then every few seconds, until cancelled."""

    def __init__(self, hooks: UpdateHooks, update: Update, first: float,
                 background: set[asyncio.Task[None]]) -> None:
        self._hooks = hooks
        self._update = update
        self._background = background
        self._loop = asyncio.get_running_loop()
        self._handle = self._loop.call_later(first, self._fire)

    def _fire(self) -> None:
        task = self._loop.create_task(self._hooks.typing(self._update))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        self._handle = self._loop.call_later(_TYPING_REPEAT, self._fire)

    def cancel(self) -> None:
        self._handle.cancel()


def _droppable(update: Update) -> bool:
    """What a flood is made of: typed text (commands too) and button presses."""
    if update.callback_query is not None:
        return True
    message = update.message
    return message is not None and message.text is not None


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
