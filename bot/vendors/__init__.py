"""Vendor adapters behind one vendor-neutral interface.

The public surface is re-exported here; conversations import from
``bot.vendors`` only, never from a vendor subpackage.
"""

from bot.vendors.errors import (
    AuthFailed,
    InputRejected,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    SlotUnavailable,
    VendorError,
)
from bot.vendors.interface import (
    Booking,
    BookingDraft,
    BookingVendor,
    Capability,
    Customer,
    DetailField,
    Money,
    Service,
    Site,
    Slot,
)
from bot.vendors.registry import VENDORS, VendorDeps, Vendors, build_enabled

__all__ = [
    "AuthFailed", "Booking", "BookingDraft", "BookingVendor", "Capability", "Customer",
    "DetailField", "InputRejected", "Money", "NotFound", "RateLimited", "ServiceUnavailable",
    "Site", "Slot", "SlotUnavailable", "VENDORS", "VendorDeps", "VendorError", "Vendors",
    "build_enabled",
]
