"""Every error a user can meet, turned into one localized sentence here.

Handlers never build error texts themselves: they catch
:class:`~bot.vendors.VendorError` (or let it reach the error handler) and
call :func:`user_message`, so each failure reads the same everywhere.

Queue features pass ``queue=True``: the words are then about the queue (and
/queue), and a refused detail is explained by the
:class:`~bot.vendors.JoinRequest` field the vendor named, since the
vendor's own reason is often in another language than the user's.
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.vendors import (
    AuthFailed,
    InputRejected,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    VendorTimeout,
    SlotUnavailable,
    VendorError,
)


def user_message(error: BaseException | None, t: Translator, *, queue: bool = False) -> str:
    if queue and isinstance(error, VendorError):
        return _queue_message(error, t)
    if isinstance(error, InputRejected):
        return t._("The booking system did not accept that: {reason}", reason=error.reason)
    if isinstance(error, SlotUnavailable):
        return t._("Sorry, that time was just taken. Please pick another one.")
    if isinstance(error, NotFound):
        return t._("Sorry, that is no longer available. Please start again with /book.")
    if isinstance(error, VendorTimeout):
        return t._("The booking system is slow to answer right now. Please try again in a moment: your choices so far are kept.")
    if isinstance(error, RateLimited):
        return t._("The booking system is busy right now. Please try again in a minute.")
    if isinstance(error, AuthFailed):
        return t._("The booking system refused our access. The team has been told; please try again later.")
    if isinstance(error, (ServiceUnavailable, VendorError)):
        return t._("The booking system is not answering right now. Please try again in a few minutes.")
    return t._("Sorry, something went wrong on our side. Please try again.")


def _queue_message(error: VendorError, t: Translator) -> str:
    if isinstance(error, InputRejected):
        if error.field == "contact_value":
            return t._("The store did not accept that contact detail. Please check it and send it again.")
        if error.field == "contact_mode":
            return t._("The store cannot register you this way right now. Please choose another way to be reached.")
        if error.field == "language":
            return t._("The queue system did not accept your language. Please try again, or change it with /language.")
        if error.field == "appointment":
            return t._("The store did not accept that appointment. Please choose another one.")
        return t._("The queue system did not accept that: {reason}", reason=error.reason)
    if isinstance(error, NotFound):
        return t._("Sorry, that is no longer available. Please start again with /queue.")
    if isinstance(error, VendorTimeout):
        return t._("The queue system is slow to answer right now. Please try again in a moment.")
    if isinstance(error, RateLimited):
        return t._("The queue system is busy right now. Please try again in a minute.")
    if isinstance(error, AuthFailed):
        return t._("The queue system refused our access. The team has been told; please try again later.")
    return t._("The queue system is not answering right now. Please try again in a few minutes.")
