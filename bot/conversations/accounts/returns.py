"""What the OAuth redirect route hands to the chat: a custom update.

The route runs outside python-telegram-bot; as its documentation shows for
custom webhooks, it puts an object of its own type on the application's
``update_queue`` and a ``TypeHandler`` for that type answers in the chat, so
the confirmation is an ordinary handler with an ordinary context.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.vendors import Profile


@dataclass(frozen=True)
class AccountReturn:
    """The user came back from ``vendor``: linked as ``profile``, or ``error``."""

    telegram_id: int
    vendor: str
    profile: Profile | None = None
    error: str | None = None  # "access_denied", "refused" or the provider's code


def redirect_path(vendor_name: str) -> str:
    """Where a provider sends the user back; ``PUBLIC_URL`` + this is registered."""
    return f"/oauth/{vendor_name}/callback"


def start_path(vendor_name: str) -> str:
    return f"/oauth/{vendor_name}/start"
