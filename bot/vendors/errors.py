"""Domain errors every vendor adapter raises, whatever protocol sits below.

Adapters translate their HTTP statuses and vendor error codes into this tree
once, at their boundary; conversations catch only these and turn them into a
localized sentence in one place (``bot.ui.errors``).

    VendorError                  anything a vendor call can fail with
    ├── ServiceUnavailable       vendor down, misconfigured, timed out, 5xx
    │   └── RateLimited          vendor asked us to slow down (retry_after s)
    ├── AuthFailed               our credentials or the user's token refused
    ├── NotFound                 the site / service / booking no longer exists
    ├── SlotUnavailable          the slot was taken or is full
    └── InputRejected            a detail the user gave was refused; carries
                                 the field and the vendor's own reason
"""

from __future__ import annotations


class VendorError(Exception):
    """Base of every error a vendor adapter may raise."""

    def __init__(self, message: str = "", *, vendor: str | None = None) -> None:
        super().__init__(message)
        self.vendor = vendor


class ServiceUnavailable(VendorError):
    """The vendor cannot serve us right now; the user should try later."""


class VendorTimeout(ServiceUnavailable):
    """The vendor did not answer within its deadline; the user may try again soon."""


class RateLimited(ServiceUnavailable):
    """The vendor throttled us; ``retry_after`` is in seconds when known."""

    def __init__(
        self, message: str = "", *, vendor: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, vendor=vendor)
        self.retry_after = retry_after


class AuthFailed(VendorError):
    """Credentials or a token were refused even after one fresh attempt."""


class NotFound(VendorError):
    """What the user picked has disappeared on the vendor side."""


class SlotUnavailable(VendorError):
    """The chosen timeslot is full or already taken."""


class InputRejected(VendorError):
    """The vendor refused a value the user typed.

    ``field`` names the detail (as in :class:`bot.vendors.DetailField.id`) when
    the vendor says which one; ``reason`` is the vendor's own words, shown to
    the user next to our localized hint.
    """

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        vendor: str | None = None,
    ) -> None:
        super().__init__(reason, vendor=vendor)
        self.reason = reason
        self.field = field
