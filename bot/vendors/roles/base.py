"""What every vendor is, whatever roles it plays.

A vendor is one backend the bot talks to (a booking system, a queue system,
an identity provider, an office system). What it can do is told by the
*roles* it plays, each a small abstract class in this package: a vendor
class inherits the roles it plays and nothing else, and the registry answers
"which vendors play role X" with ``isinstance``. So a new kind of backend
adds methods only where it has them, and features ask for a role, never for
a vendor by name. No vendor name appears in this package.

Methods of every role may raise the errors of :mod:`bot.vendors.errors` and
nothing else. Roles never share a method name, so one class can play any
set of them.
"""

from __future__ import annotations

import abc
import enum
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Capability(enum.StrEnum):
    """What a vendor can do beyond the abstract methods of its roles."""

    CANCEL = "cancel"  # bookings can be cancelled through the API
    RESCHEDULE = "reschedule"  # a booking can be moved to another slot
    CAPACITY = "capacity"  # slots report how many places remain
    COORDINATES = "coordinates"  # sites carry latitude/longitude
    PRICES = "prices"  # services carry a price
    DURATION = "duration"  # services carry a duration
    QUEUE = "queue"  # the vendor runs virtual queues rather than slots
    COMPANIES = "companies"  # staff can look companies up in the account directory
    BADGES = "badges"  # visitor badges can be read by their code
    VISITS = "visits"  # a visitor's visiting appointments can be listed


class RoleModel(BaseModel):
    """Base of every role model: immutable, and tolerant of fields added later."""

    # defer_build: each model's validator is built when first used, not at import; most
    # are not needed for a process's first answer, and building them all cost ~0.1 s.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)


class Customer(RoleModel):
    """Who a call is made for.

    ``pseudonym`` is the stable id vendors see instead of the Telegram id, name
    or phone: derived with a keyed hash so it cannot be traced back without
    our secret key.
    """

    telegram_id: int
    pseudonym: str
    language: str = "en"


class Money(RoleModel):
    amount: Decimal
    currency: str  # ISO 4217


class Vendor(abc.ABC):
    """The base of every role: a name, capability flags and a shutdown hook.

    Implementations live in their own package under ``bot.vendors`` and are
    built by the registry from their configuration.
    """

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    @property
    def title(self) -> str:
        """The business name shown to users when several are enabled."""
        return self.name

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    async def forget_customer(self, customer: Customer) -> None:
        """Drop what this adapter keeps about ``customer`` (in memory, and in the token
        and reference stores it was lent): the person asked the bot to forget them.
        What the vendor itself holds (bookings made there) stays; the default keeps nothing."""

    async def aclose(self) -> None:
        """Release HTTP connections; called once at shutdown."""
