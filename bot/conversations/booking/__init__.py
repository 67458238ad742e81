"""The booking conversation: /book through to the receipt."""

from bot.conversations.booking.flow import register

__all__ = ["register"]
