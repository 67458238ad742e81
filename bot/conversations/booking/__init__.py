"""The booking conversation: /book through to the receipt."""

from bot.conversations.booking.conversation import register

__all__ = ["register"]
