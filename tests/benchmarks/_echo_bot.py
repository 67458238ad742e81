"""The reference the load benchmarks measure the bot against: a bare
python-telegram-bot echo bot (default Application, no rate limiter, no
persistence), answering every text message with its text.

Run as a child process by :mod:`_load` with the same environment variables
the bot reads (TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, TELEGRAM_FILE_URL), so
both poll the same fake Bot API the same way.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def main() -> None:
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_URL"])
        .base_file_url(os.environ["TELEGRAM_FILE_URL"])
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
