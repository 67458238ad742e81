"""Running the bot: storage, vendors, Telegram application and web server.

Polling and webhook modes share everything but the way updates arrive. The
web server runs in both, since vendor callbacks and health checks need it
whichever way Telegram delivers. Its port is bound first thing; when polling, it
starts serving :data:`WEB_AFTER` seconds after polling does, and the vendors'
adapters are built then too, so the first answers after a (re)start do not wait for
uvicorn, starlette and the adapters to load (25-50 ms): connections made meanwhile
wait in the listen backlog and are answered then, and an update that needs a vendor
sooner builds the adapters itself.

On PostgreSQL several processes of one bot may run: only the leader (see
:class:`bot.storage.Leadership`) loads persistence, takes updates and runs the
watchers. A standby serves ``/healthz`` and answers ``/readyz`` with 503 until
it takes over; a leader that loses its lock exits, to come back as a standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application

from bot.app.build import build_application, set_command_menus
from bot.app.housekeeping import Housekeeping
from bot.app.receiving import Polling, Receiver
from bot.asgi import BackgroundServer
from bot.config import Settings
from bot.conversations.booking import recovery
from bot.conversations.queue import recovery as queue_recovery
from bot.conversations.staff import set_staff_menus
from bot.logs import secret_filter
from bot.notifications import (
    BookingWatcher,
    BroadcastProgress,
    FreeSlotWatcher,
    OutboxSender,
    QueueWatcher,
    QuietHours,
    Reminders,
    SpaceWatcher,
)
from bot.notifications.blocking import user_blocked
from bot.notifications.callbacks import callback_secret, describe_callbacks
from bot.runtime import BotApplication, Services
from bot.storage import Leadership, Storage
from bot.vendors import VendorDeps, build_enabled

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from bot.notifications.vendor_events import EventSink

log = logging.getLogger("bot")

# Seconds after start before the command menus are set: long enough for the first
# answers not to share the CPU with four menus and their catalogs (~0.1 s of work).
MENUS_AFTER = 1.0
# Seconds after polling starts before the (already bound) web server serves and the
# vendors' adapters are built, for the same reason: loading uvicorn, starlette and the
# adapters and building the routes is 25-50 ms of CPU.
WEB_AFTER = 0.2
# A process that does not lead within this many seconds is a standby: it serves its
# web endpoints (/healthz, /readyz) while it waits.
LEAD_AT_ONCE = 0.05


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram echoes in each webhook call.

    Derived from BOT_SECRET_KEY when not configured, so webhook mode needs no
    extra variable; Telegram allows only ``[A-Za-z0-9_-]``, which hex meets.
    """
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    key = settings.bot_secret_key.get_secret_value().encode()
    return hmac.new(key, b"telegram-webhook", hashlib.sha256).hexdigest()


async def run_bot(settings: Settings, stop: asyncio.Event | None = None,
                  clock: Callable[[], datetime] | None = None) -> None:
    """Run until ``stop`` is set (or SIGINT/SIGTERM), then shut down cleanly.

    ``clock`` is the time reminders are scheduled and the outbox sends by (and rows
    are stamped with): tests pass a simulator's movable clock, so a reminder due
    tomorrow is sent when they move that clock, not after waiting a day."""
    stop = stop or _stop_on_signals()
    clock = clock or (lambda: datetime.now(timezone.utc))
    secret = webhook_secret(settings)
    key = settings.bot_secret_key.get_secret_value()
    for value in (settings.telegram_bot_token.get_secret_value(), secret):
        secret_filter().add(value)
    storage = await Storage.open(settings.database_url.get_secret_value(), key, clock=clock)
    # Vendor budgets per API key are counted in the database on either engine: a
    # standby taking over, or a process restarted, mid-minute continues the count.
    vendors = build_enabled(VendorDeps(tokens=storage.tokens, refs=storage.vendor_refs,
                                       counter=storage.rate_windows))
    services = Services(settings=settings, storage=storage, vendors=vendors)
    polling = settings.mode == "polling"
    for name in vendors.names:  # (only queue vendors are called back; the others' are unused)
        secret_filter().add(callback_secret(key, name))
    application = build_application(services)
    receiver = Receiver(application)
    # Cards and turn notices of queue tickets; polling resumes whatever the
    # database says is watched, so a restart (even kill -9) loses nothing.
    watcher = services.queue_watcher = QueueWatcher(
        application, min_interval=settings.queue_poll_min_seconds
    )
    spaces = SpaceWatcher(application, public_url=settings.public_url,
                          poll_seconds=settings.space_poll_seconds)
    services.space_watcher = spaces
    # Everything sent unprompted goes through the outbox; its sender and the
    # broadcasts' progress messages resume from the database after a restart.
    sender = services.outbox = OutboxSender(
        application.bot, storage.outbox, rate=settings.broadcast_rate,
        paid_rate=settings.broadcast_paid_rate, in_flight=settings.broadcast_in_flight,
        on_blocked=lambda chat_id: user_blocked(application, chat_id),
    )
    progress = services.broadcasts = BroadcastProgress(application, rate=settings.broadcast_rate)
    reminders = Reminders(services, leads=settings.reminder_leads, clock=clock,
                          quiet=QuietHours(*settings.reminder_quiet_hours)
                          if settings.reminder_quiet_hours else None)
    bookings = services.booking_follow = BookingWatcher(
        application, reminders, public_url=settings.public_url, clock=clock)
    slots = services.slot_watcher = FreeSlotWatcher(
        application, min_seconds=settings.slot_watch_min_seconds,
        max_seconds=settings.slot_watch_max_seconds,
        per_minute=settings.slot_watch_vendor_per_minute, clock=clock)
    background = (watcher, spaces, sender, progress, bookings, slots)
    housekeeping = Housekeeping(storage)
    leadership = Leadership(storage.db.target, settings.bot_id)
    poller = Polling(application, receiver) if polling else None
    web = BackgroundServer()

    async def serve_web() -> None:
        if not web.running:
            await web.serve(_web_app(application, receiver, [spaces, bookings],
                                     webhook_secret=None if polling else secret,
                                     ready=lambda: leadership.is_leader and application.running))

    serving: asyncio.Task[None] | None = None
    try:
        log.info("web server on %s", web.bind(settings.web_host, settings.web_port))
        if not polling:
            await serve_web()  # Telegram's calls arrive on it
        if not await _lead(leadership, stop, standing_by=serve_web):
            return
        async with application:
            services.blocked_users.update(await storage.users.blocked_ids())  # as the last leader left them
            await application.start()
            for task in background:
                await task.start()
            housekeeping.start()
            recovery.schedule(application, settings.pending_recovery_delay)
            queue_recovery.schedule(application, settings.pending_recovery_delay)
            await receiver.replay()  # what a process before this one took and left unfinished
            if poller is not None:
                await poller.start()
            elif settings.webhook_register:
                # Every new leader registers again, a standby taking over included:
                # Telegram backs off from a URL that failed while the leader was dead,
                # and setWebhook resets that (same URL and secret, so idempotent).
                assert settings.public_url, "PUBLIC_URL is required in webhook mode"
                from bot.app.web import TELEGRAM_WEBHOOK_PATH  # loaded: the server serves

                await application.bot.set_webhook(
                    settings.public_url + TELEGRAM_WEBHOOK_PATH,
                    secret_token=secret,
                    allowed_updates=Update.ALL_TYPES,
                )
                log.info("webhook registered at %s", settings.public_url + TELEGRAM_WEBHOOK_PATH)
            # Optional, so set once the first updates are answered rather than delaying them.
            menus = asyncio.create_task(_set_menus(application), name="command-menus")
            serving = asyncio.create_task(_after_first_answers(WEB_AFTER, serve_web, services, stop),
                                          name="after-first-answers")
            log.info("bot @%s running (%s, vendors: %s)", application.bot.username,
                     settings.mode, ", ".join(vendors.names) or "none")
            await _first(stop.wait(), leadership.lost.wait())
            log.info("stopping")
            menus.cancel()
            serving.cancel()
            await asyncio.gather(menus, serving, return_exceptions=True)
            if poller is not None:
                await poller.stop()
            await housekeeping.stop()
            for task in reversed(background):
                await task.stop()
            await web.stop()
            await application.stop()
    finally:
        await housekeeping.stop()  # again, for a start that failed half-way
        for task in reversed(background):
            await task.stop()
        await web.stop()
        await leadership.release()
        await vendors.aclose()
        await storage.close()
    if leadership.lost.is_set():
        raise SystemExit("leadership lost: exiting, to be restarted as a standby")
    if serving is not None and serving.done() and not serving.cancelled() and serving.exception():
        raise SystemExit("the web server or a vendor's adapter could not start")


async def _set_menus(application: Application) -> None:  # type: ignore[type-arg]
    await asyncio.sleep(MENUS_AFTER)
    try:
        await set_command_menus(application)
        await set_staff_menus(application)
    except Exception:  # noqa: BLE001 - menus are a nicety; the bot runs without them
        log.exception("could not set the command menus")


def _web_app(application: BotApplication, receiver: Receiver, sinks: list[EventSink], *,
             webhook_secret: str | None, ready: Callable[[], bool]) -> ASGIApp:
    """The web server's routes: every module that needs starlette is imported here, when
    the server starts serving (see the module's docstring)."""
    from bot.app.web import build_web_app
    from bot.conversations.accounts.redirect import account_routes
    from bot.notifications.vendor_events import QueueCallbacks, callback_routes, vendor_event_routes

    queues = QueueCallbacks(application)  # one set of callback secrets for both routes
    return build_web_app(
        application, receiver, webhook_secret=webhook_secret, ready=ready,
        extra_routes=callback_routes(queues) + account_routes(application)
        + vendor_event_routes(sinks, queues))


async def _after_first_answers(delay: float, serve: Callable[[], Awaitable[None]],
                               services: Services, stop: asyncio.Event) -> None:
    """After ``delay``: serve the bound web server, build the vendors' adapters (if no
    update has yet), and say where queue vendors' callbacks go. A server that cannot
    serve, or an adapter that cannot be built, stops the bot, as either did at start."""
    await asyncio.sleep(delay)
    try:
        await serve()
        services.vendors.load()  # now, not at a customer's first /book
    except Exception:
        log.critical("could not start: stopping", exc_info=True)
        stop.set()
        raise
    await describe_callbacks(services)


async def _lead(leadership: Leadership, stop: asyncio.Event,
                standing_by: Callable[[], Awaitable[None]]) -> bool:
    """Wait to lead (at once on SQLite); False when told to stop first. A process that
    waits is a standby: ``standing_by`` runs first (it serves the web endpoints)."""
    acquiring = asyncio.ensure_future(leadership.acquire())
    if not (await asyncio.wait({acquiring}, timeout=LEAD_AT_ONCE))[0]:
        await standing_by()
    if not await _first(acquiring, stop.wait()):
        return False
    if waited := acquiring.result():
        log.info("leader after %.1f s as standby", waited)
    return True


async def _first(*waits: Awaitable[object]) -> bool:
    """Wait for the first of ``waits``; cancel the rest. True if the first one won."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return tasks[0] in done


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
