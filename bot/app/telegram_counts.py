"""What Telegram counts when the bot sends: which calls, to which chat, how many messages."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram.error import RetryAfter

ChatKey = int | str

#: Endpoints that create messages and therefore count against Telegram's flood limits.
LIMITED_ENDPOINTS: frozenset[str] = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendAudio",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendLivePhoto",
        "sendPaidMedia",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendChecklist",
        "sendDice",
        "sendSticker",
        "sendInvoice",
        "sendGame",
        "sendGift",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }
)


def chat_key(chat_id: object) -> ChatKey | None:
    if chat_id is None:
        return None
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id)
    with contextlib.suppress(ValueError):
        return int(text)
    return text


def is_group(key: ChatKey) -> bool:
    # Only supergroups and channels can be addressed as '@username'.
    return isinstance(key, str) or key < 0


def message_cost(endpoint: str, data: dict[str, Any]) -> int:
    """Albums and bulk forwards produce one message per item, and Telegram counts them so."""
    items: object = None
    if endpoint == "sendMediaGroup":
        items = data.get("media")
    elif endpoint in ("copyMessages", "forwardMessages"):
        items = data.get("message_ids")
    if isinstance(items, (list, tuple)) and items:
        return len(items)
    return 1


def retry_after_seconds(exc: RetryAfter) -> float:
    # The public attribute may warn about int/timedelta deprecation; the private one is stable.
    delay = getattr(exc, "_retry_after", None)
    if delay is None:
        delay = exc.retry_after
    if isinstance(delay, (int, float)):
        return float(delay)
    return float(delay.total_seconds())
