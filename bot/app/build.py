"""Building the python-telegram-bot Application from settings and services."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, PersistenceInput

from bot.app.durable import DurableApplication
from bot.app.errors import on_error
from bot.app.feedback import ChatFeedback
from bot.runtime.telegram_http import UPDATES_READ_TIMEOUT, bot_api_request, updates_request
from bot.app.processor import ChatOrderedProcessor
from bot.app.ratelimit import BookingRateLimiter, SharedSends
from bot.conversations import COMMANDS, register_handlers
from bot.i18n import LANGUAGES, translator
from bot.runtime import BotContext, Services
from bot.storage import DatabasePersistence
from bot.throttle import SharedCounter, SharedRate

log = logging.getLogger(__name__)

# Telegram's limits per bot: free messages a second, and paid broadcast ones.
FREE_PER_SECOND, PAID_PER_SECOND = 30, 1000
# Updates of one chat waiting or running before newer text and presses are dropped.
CHAT_BOUND = 8
# Seconds a step runs before the chat shows "typing…".
TYPING_AFTER = 2.0


def shared_sends(counter: SharedCounter, bot_id: int) -> SharedSends:
    """The bot's per-second message limits counted with every process of the bot.

    Claimed a tenth of the limit at a time (10 free, 100 paid): at full rate three (ten)
    writes a second instead of one per message. What a process claimed and did not send
    when its second ends is lost to the others, and only a leader sends, so the cost is
    nil in practice; what it buys is that a standby taking over within the leader's last
    second does not add that second's sends to its own."""
    free = SharedRate(counter, f"telegram:{bot_id}", FREE_PER_SECOND, block=10)
    paid = SharedRate(counter, f"telegram:{bot_id}:paid", PAID_PER_SECOND, block=100)

    async def acquire(cost: int, is_paid: bool) -> None:
        await (paid if is_paid else free).acquire(cost)

    return acquire


def build_application(services: Services) -> DurableApplication:
    """The Application; updates reach it through :mod:`bot.app.receiving` (polling or the
    webhook route), never through python-telegram-bot's Updater."""
    settings = services.settings
    persistence = DatabasePersistence(
        services.storage.db,
        store_data=PersistenceInput(bot_data=True, chat_data=True, user_data=True, callback_data=False),
        update_interval=60,
        box=services.storage.box,  # user data holds names, phones, e-mails: encrypted at rest
        on_demand=True,  # a user's data is read when their update arrives, not all at start
    )
    processor = ChatOrderedProcessor(chat_bound=CHAT_BOUND, typing_after=TYPING_AFTER)
    builder = (
        ApplicationBuilder()
        .application_class(DurableApplication, kwargs={"services": services})
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.file_url)
        .persistence(persistence)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(processor)
        .request(bot_api_request())
        .get_updates_request(updates_request(read_timeout=UPDATES_READ_TIMEOUT))
        .updater(None)
    )
    if settings.telegram_rate_limit:
        shared = None
        if services.storage.db.kind == "postgresql":  # several processes may send
            shared = shared_sends(services.storage.rate_windows, settings.bot_id)
        builder = builder.rate_limiter(BookingRateLimiter(shared=shared))
    application = builder.build()
    assert isinstance(application, DurableApplication)  # what application_class() built
    processor.attach(ChatFeedback(application))
    register_handlers(application)
    application.add_error_handler(on_error)
    return application


async def set_command_menus(application: Application) -> None:  # type: ignore[type-arg]
    """One command menu per language; optional, since some Bot API servers lack it."""
    for language in LANGUAGES:
        t = translator(language)
        commands = [BotCommand(name, t._(description)) for name, description in COMMANDS]
        try:
            await application.bot.set_my_commands(
                commands, scope=BotCommandScopeDefault(), language_code=language
            )
            if language == "en":
                await application.bot.set_my_commands(commands, scope=BotCommandScopeDefault())
        except TelegramError as exc:
            log.warning("could not set the %s command menu: %s", language, exc)
