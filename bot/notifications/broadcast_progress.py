"""A broadcast's live progress message, kept current while it sends.

The counts come from the outbox rows of the broadcast (what was really settled), so
the message is right after a restart too: :meth:`BroadcastProgress.start` picks up
every broadcast still sending or paused. The message is edited at most every
``every`` seconds and only when its text changed, so a broadcast of ten thousand
costs a few hundred edits, and it shows Pause / Resume and Stop until it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot.i18n import Translator, format_count
from bot.notifications.delivery import translator_for
from bot.runtime import BotApplication
from bot.storage import Broadcast, OutboxStats
from bot.throttle import NO_RETRY
from bot.ui import keyboard
from bot.ui.callbacks import BroadcastControl

log = logging.getLogger("bot.broadcast")


def render_progress(
    t: Translator, broadcast: Broadcast, stats: OutboxStats, rate: float
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The progress text and its buttons (none once the broadcast has ended)."""
    state = {
        "sending": t._("Sending…"), "paused": t._("Paused."), "stopped": t._("Stopped."),
        "done": t._("Finished."),
    }[broadcast.state]
    lines = [
        t._("📣 Broadcast #{number}", number=broadcast.id) + " — " + state,
        t._("Sent: {sent} · Failed: {failed} · Blocked the bot: {blocked}",
            sent=format_count(stats.sent, t.locale), failed=format_count(stats.failed, t.locale),
            blocked=format_count(stats.blocked, t.locale)),
    ]
    if stats.uncertain:
        lines.append(t._("Unknown (interrupted while sending, not sent again): {count}",
                         count=format_count(stats.uncertain, t.locale)))
    if broadcast.state in ("sending", "paused"):
        lines.append(t._("Remaining: {count} (about {minutes} min)",
                         count=format_count(stats.remaining, t.locale),
                         minutes=math.ceil(stats.remaining / max(rate, 1.0) / 60)))
    if stats.cancelled:
        lines.append(t._("Not sent (stopped): {count}", count=format_count(stats.cancelled, t.locale)))
    if broadcast.state == "sending":
        toggle = (t._("⏸ Pause"), BroadcastControl(action="pause", broadcast=broadcast.id).encode())
    elif broadcast.state == "paused":
        toggle = (t._("▶️ Resume"), BroadcastControl(action="resume", broadcast=broadcast.id).encode())
    else:
        return "\n".join(lines), None
    stop = (t._("⏹ Stop"), BroadcastControl(action="stop", broadcast=broadcast.id).encode())
    return "\n".join(lines), keyboard([[toggle, stop]])


class BroadcastProgress:
    """One small task per running broadcast, editing its progress message."""

    def __init__(self, application: BotApplication, *, every: float = 3.0,
                 rate: float = 28.0) -> None:
        self.application = application
        self.storage = application.services.storage
        self.every = every
        self.rate = rate
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._pokes: dict[int, asyncio.Event] = {}

    async def start(self) -> None:
        for broadcast in await self.storage.broadcasts.list_running():
            self.track(broadcast.id)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    def track(self, broadcast_id: int) -> None:
        """Follow a broadcast until it ends (again after a restart: see :meth:`start`)."""
        if broadcast_id in self._tasks:
            self.refresh(broadcast_id)
            return
        self._pokes[broadcast_id] = asyncio.Event()
        task = asyncio.create_task(self._follow(broadcast_id), name=f"broadcast-{broadcast_id}")
        self._tasks[broadcast_id] = task
        task.add_done_callback(lambda _: self._forget(broadcast_id))

    def refresh(self, broadcast_id: int) -> None:
        """Redraw now (a button was pressed) rather than at the next tick."""
        poke = self._pokes.get(broadcast_id)
        if poke is not None:
            poke.set()

    def _forget(self, broadcast_id: int) -> None:
        self._tasks.pop(broadcast_id, None)
        self._pokes.pop(broadcast_id, None)

    async def _follow(self, broadcast_id: int) -> None:
        shown: str | None = None
        while True:
            try:
                ended, shown = await self._tick(broadcast_id, shown)
            except Exception:  # noqa: BLE001 - progress is cosmetic; sending goes on
                log.exception("broadcast=%d progress update failed", broadcast_id)
                ended = False
            if ended:
                return
            poke = self._pokes[broadcast_id]
            poke.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(poke.wait(), self.every)

    async def _tick(self, broadcast_id: int, shown: str | None) -> tuple[bool, str | None]:
        repo = self.storage.broadcasts
        broadcast = await repo.get(broadcast_id)
        if broadcast is None:
            return True, shown
        stats = await self.storage.outbox.stats(broadcast.batch)
        if broadcast.state in ("sending", "paused") and stats.remaining == 0 \
                and await repo.finish(broadcast.id):
            broadcast = await repo.get(broadcast_id) or broadcast
        t = await translator_for(self.application, broadcast.author)
        text, markup = render_progress(t, broadcast, stats, self.rate)
        ended = broadcast.state in ("stopped", "done")
        if not (broadcast.progress_chat_id and broadcast.progress_message_id):
            return ended, shown
        if text != shown:
            try:
                await self.application.bot.edit_message_text(
                    text, broadcast.progress_chat_id, broadcast.progress_message_id,
                    reply_markup=markup, rate_limit_args=NO_RETRY,
                )
                shown = text
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():  # gone or refused: stop redrawing
                    log.warning("broadcast=%d progress not shown: %s", broadcast_id, exc)
                shown = text
            except TelegramError as exc:  # flood wait, network: the next tick tries again
                log.info("broadcast=%d progress edit postponed: %s", broadcast_id, exc)
        # Ended once the final text is on screen.
        return ended and text == shown, shown
