"""Every error a user can meet, turned into one localized sentence here.

Handlers never build error texts themselves: they catch
:class:`~bot.vendors.VendorError` (or let it reach the error handler) and
call :func:`user_message`, so each failure reads the same everywhere.
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.vendors import (
    AuthFailed,
    InputRejected,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    SlotUnavailable,
    VendorError,
)


def user_message(error: BaseException | None, t: Translator) -> str:
    if isinstance(error, InputRejected):
        return t._("The booking system did not accept that: {reason}", reason=error.reason)
    if isinstance(error, SlotUnavailable):
        return t._("Sorry, that time was just taken. Please pick another one.")
    if isinstance(error, NotFound):
        return t._("Sorry, that is no longer available. Please start again with /book.")
    if isinstance(error, RateLimited):
        return t._("The booking system is busy right now. Please try again in a minute.")
    if isinstance(error, AuthFailed):
        return t._("The booking system refused our access. The team has been told; please try again later.")
    if isinstance(error, (ServiceUnavailable, VendorError)):
        return t._("The booking system is not answering right now. Please try again in a few minutes.")
    return t._("Sorry, something went wrong on our side. Please try again.")
