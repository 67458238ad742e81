"""The booking conversation: /book through to the receipt.

Besides :func:`register`, what the rest of the chat may use of a stored
booking (``/my`` lists, cancels and moves them) is public here.
"""

from bot.conversations.booking.conversation import register
from bot.conversations.booking.records import stored_booking, vendor_booking, when_of

__all__ = ["register", "stored_booking", "vendor_booking", "when_of"]
