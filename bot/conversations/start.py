"""/start, /help and /language."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.ext import Application, CommandHandler

from bot.conversations.menu import COMMANDS
from bot.i18n import LANGUAGES, Translator, translator
from bot.runtime import BotContext
from bot.ui import best_effort, keyboard, reply
from bot.ui.links import StartLinkFilter
from bot.ui import callbacks as cb
from bot.ui.buttons import ButtonHandler


def help_text(t: Translator) -> str:
    lines = [t._("Here is what I can do:")]
    lines += [f"/{name} – {t._(description)}" for name, description in COMMANDS]
    return "\n".join(lines)


async def start(update: Update, context: BotContext) -> None:
    t = context.t
    user = update.effective_user
    name = user.first_name if user else ""
    text = t._(
        "Hello {name}! I book appointments and timeslots for you, keep you in virtual queues "
        "and remind you before your turn.",
        name=name,
    )
    await reply(update, context, f"{text}\n\n{help_text(t)}")


async def show_help(update: Update, context: BotContext) -> None:
    t = context.t
    forget = [(t._("🗑 Forget me"), cb.ForgetOpen().encode())]  # the same screen as /forget
    await reply(update, context, help_text(t), keyboard([forget]))


async def choose_language(update: Update, context: BotContext) -> None:
    rows = [[(label, cb.SetLanguage(code=code).encode())] for code, label in LANGUAGES.items()]
    await reply(update, context, context.t._("Choose your language:"), keyboard(rows))


async def set_language(update: Update, context: BotContext, button: cb.SetLanguage) -> None:
    assert update.effective_user is not None
    language = button.code  # one of LANGUAGES: anything else never decodes
    await context.services.storage.users.set_language(update.effective_user.id, language)
    if context.user_data is not None:
        context.user_data["lang"] = language
    t = translator(language)
    await reply(update, context, t._("Done: I will speak English with you."))
    commands = [BotCommand(name, t._(description)) for name, description in COMMANDS]
    await best_effort(
        context.bot.set_my_commands(commands, scope=BotCommandScopeChat(update.effective_user.id))
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    # /start with a valid deep link opens its flow (booking, queue) instead.
    application.add_handler(CommandHandler("start", start, filters=~StartLinkFilter()))
    application.add_handler(CommandHandler("help", show_help))
    application.add_handler(CommandHandler("language", choose_language))
    application.add_handler(ButtonHandler(cb.SetLanguage, set_language))
