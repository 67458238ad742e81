"""Vendor adapters behind vendor-neutral roles.

Everything public is re-exported here: the roles and their models
(:mod:`bot.vendors.roles`), the error tree (:mod:`bot.vendors.errors`) and
the registry. Feature code imports from ``bot.vendors`` only, never from a
submodule or a vendor package (``tests/test_architecture.py`` checks it).
"""

from bot.vendors.errors import (
    AuthFailed,
    InputRejected,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    VendorTimeout,
    SlotUnavailable,
    VendorError,
)
from bot.vendors._http import calls_within
from bot.vendors.registry import VENDORS, VendorDeps, Vendors, build_enabled
from bot.vendors.roles.accounts import AccountsRole, Company, CompanyPage, LinkRequest, Profile
from bot.vendors.roles.base import Capability, Customer, Money, RoleModel, Vendor
from bot.vendors.roles.booking import (
    Booking,
    BookingClaim,
    BookingDraft,
    BookingRole,
    DetailField,
    DetailKind,
    Slot,
    VendorBookingState,
)
from bot.vendors.roles.catalogue import CatalogueRole, Service, Site
from bot.vendors.roles.events import EventsRole, EventSubscription, InboundCall, Reread, Topic
from bot.vendors.roles.queue import (
    Appointment,
    CalledTicket,
    Choice,
    ContactMode,
    Desk,
    JoinRequest,
    NoticeRule,
    QueueRole,
    QueueSite,
    QueueSnapshot,
    Ticket,
    TicketState,
)
from bot.vendors.roles.reports import DailyFigures, FigureKind, ReportsRole
from bot.vendors.roles.spaces import (
    Availability,
    Badge,
    BadgeState,
    Building,
    BusyInterval,
    Space,
    SpaceKind,
    SpacesRole,
    Visit,
    availability,
)

__all__ = [
    "calls_within",
    # roles
    "AccountsRole", "BookingRole", "CatalogueRole", "EventsRole", "QueueRole", "ReportsRole",
    "SpacesRole", "Vendor", "Capability",
    # models shared by roles
    "Customer", "Money", "RoleModel",
    # catalogue and booking
    "Booking", "BookingClaim", "BookingDraft", "DetailField", "DetailKind", "Service", "Site", "Slot",
    "VendorBookingState",
    # queue
    "Appointment", "CalledTicket", "Choice", "ContactMode", "Desk", "JoinRequest", "NoticeRule",
    "QueueSite", "QueueSnapshot", "Ticket", "TicketState",
    # accounts
    "Company", "CompanyPage", "LinkRequest", "Profile",
    # spaces
    "Availability", "Badge", "BadgeState", "Building", "BusyInterval", "Space", "SpaceKind",
    "Visit", "availability",
    # events and reports
    "DailyFigures", "FigureKind", "EventSubscription", "InboundCall", "Reread", "Topic",
    # errors
    "AuthFailed", "InputRejected", "NotFound", "RateLimited", "ServiceUnavailable", "VendorTimeout",
    "SlotUnavailable", "VendorError",
    # registry
    "VENDORS", "VendorDeps", "Vendors", "build_enabled",
]
