"""The one exception method implementations raise; the router turns it into Telegram's JSON.

Keeping error construction in one place guarantees every failure carries the exact
``error_code``/``description`` shape python-telegram-bot parses into ``BadRequest``,
``Forbidden``, ``RetryAfter`` and friends.
"""

from __future__ import annotations

from typing import Any


class TelegramApiError(Exception):
    """A Bot API failure answered as ``{"ok": false, ...}`` with HTTP status ``code``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> TelegramApiError:
    return TelegramApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> TelegramApiError:
    return TelegramApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> TelegramApiError:
    return TelegramApiError(
        429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
    )


def unauthorized() -> TelegramApiError:
    return TelegramApiError(401, "Unauthorized")


def not_found() -> TelegramApiError:
    return TelegramApiError(404, "Not Found")


def webhook_conflict() -> TelegramApiError:
    return TelegramApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )
