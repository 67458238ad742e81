"""Logging set-up: one line per event, secrets never printed.

Libraries log URLs (httpx prints every request, and a Bot API URL contains
the bot token), so on top of keeping chatty loggers quiet every record passes
through a filter that replaces each configured secret with ``***``. Handlers
log users by pseudonym, never by Telegram id or name.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message or record.exc_info:
            if record.exc_info:
                redacted += "\n" + logging.Formatter().formatException(record.exc_info)
                for secret in self._secrets:
                    redacted = redacted.replace(secret, "***")
                record.exc_info = None
                record.exc_text = None
            record.msg, record.args = redacted, ()
        return True


_filter = RedactSecrets(())


class _BotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Our stderr handler, recognised so that setting logging up twice adds it once."""


def setup_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> RedactSecrets:
    for secret in secrets:
        _filter.add(secret)
    root = logging.getLogger()
    if not any(isinstance(h, _BotHandler) for h in root.handlers):
        handler = _BotHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    for handler in root.handlers:
        if _filter not in handler.filters:
            handler.addFilter(_filter)
    root.setLevel(level.upper())
    # python-telegram-bot's DEBUG lines dump whole updates: names, phone
    # numbers, Telegram ids. LOG_LEVEL=DEBUG is for our own code only.
    logging.getLogger("telegram").setLevel(max(root.level, logging.INFO))
    for chatty in ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio", "uvicorn", "uvicorn.access",
                   "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return _filter


def secret_filter() -> RedactSecrets:
    return _filter
