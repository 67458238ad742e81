"""UI pieces shared by every chat feature and by notifications.

Below both :mod:`bot.conversations` and :mod:`bot.notifications` and above
:mod:`bot.runtime`: keyboards, the one way a step replies, what a flow keeps
between steps, how a vendor error reads to the user.
"""

from bot.ui.drafts import UserDataDraft
from bot.ui.errors import user_message
from bot.ui.keyboards import keyboard
from bot.ui.replies import best_effort, reply
from bot.ui.steps import Handler, stay_on_vendor_error

__all__ = [
    "Handler", "UserDataDraft", "best_effort", "keyboard", "reply",
    "stay_on_vendor_error", "user_message",
]
