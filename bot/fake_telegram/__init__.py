"""A fake Telegram Bot API server plus a user driver, for end-to-end tests and demos.

Typical use::

    async with FakeTelegram(limits=FloodLimits.disabled()) as fake:
        fake.register_bot("123:ABC", "booking_bot")
        app = ApplicationBuilder().token("123:ABC").base_url(fake.base_url) \\
            .base_file_url(fake.base_file_url).build()
        ...
        ada = fake.user(42)
        ada.send_command("/start")
        reply = await ada.wait_message()
"""

from .driver import FakeUser
from .errors import TelegramApiError
from .limits import FakeClock, FloodLimits
from .models import BotMessage, CallbackAnswer, Document
from .params import UploadedFile
from .server import FakeTelegram
from .state import BotAccount, ChatState, StoredMessage, TranscriptEntry

__all__ = [
    "BotAccount",
    "BotMessage",
    "CallbackAnswer",
    "ChatState",
    "Document",
    "FakeClock",
    "FakeTelegram",
    "FakeUser",
    "FloodLimits",
    "StoredMessage",
    "TelegramApiError",
    "TranscriptEntry",
    "UploadedFile",
]
