"""Which vendors exist, and building the enabled ones.

:data:`VENDORS` maps each vendor's name to its adapter class, written as
``"package.module:Class"``. Each vendor is one package under ``bot.vendors``
with ``config.Settings`` (its environment variables), the adapter (a class
playing one or more roles of :mod:`bot.vendors.roles`) and
``simulator.Simulator`` (its local stand-in for tests and the demo).
A vendor's variables are named ``<NAME>_*`` (its registry name in capitals,
its settings' ``env_prefix``): a vendor with none of them set is disabled
without importing anything of it, and adapter modules are imported only for
vendors whose credentials are present, when features first ask for vendors
(:class:`Vendors`), so an unused vendor costs nothing at start-up. Adding a
vendor is one folder plus one line here.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.env_settings import variable_names
from bot.vendors._config import VendorSettings
from bot.vendors._refs import RefStore
from bot.vendors._tokens import TokenStore
from bot.vendors.roles.base import Vendor
from bot.vendors.roles.booking import BookingRole
from bot.throttle import SharedCounter
from bot.vendors.roles.queue import QueueRole

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Vendor)

VENDORS: dict[str, str] = {
    "ufirst": "bot.vendors.ufirst.adapter:UfirstVendor",
    "bookingtime": "bot.vendors.bookingtime.adapter:BookingtimeVendor",
    "filevirtuelle": "bot.vendors.filevirtuelle.adapter:FileVirtuelleVendor",
    "faces": "bot.vendors.faces.adapter:FacesVendor",
    "bookingsone": "bot.vendors.bookingsone.adapter:BookingsOneVendor",
}


@dataclass(frozen=True)
class VendorDeps:
    """What the application lends every adapter."""

    tokens: TokenStore
    transport: Any = None  # an httpx.AsyncBaseTransport, to plug in a fake in unit tests
    refs: RefStore | None = None  # durable per-owner references; None: adapters keep them in memory
    # Limits per API key that every process of the deployment counts together (a
    # vendor's hits a minute); None: each process counts its own.
    counter: SharedCounter | None = None


def load_settings(name: str) -> VendorSettings:
    module = importlib.import_module(f"bot.vendors.{name}.config")
    return module.Settings()


def adapter_class(name: str) -> Callable[[VendorSettings, VendorDeps], Vendor]:
    """The adapter class registered for ``name``; imports its module."""
    module, _, attribute = VENDORS[name].partition(":")
    cls = getattr(importlib.import_module(module), attribute)
    if not (isinstance(cls, type) and issubclass(cls, Vendor)):
        raise TypeError(f"{VENDORS[name]} is not a vendor class")
    built: Callable[[VendorSettings, VendorDeps], Vendor] = cls
    return built


def simulator_class(name: str) -> type:
    return importlib.import_module(f"bot.vendors.{name}.simulator").Simulator


class Vendors:
    """The enabled vendors of this process, by name, in registry order.

    :meth:`playing` answers which vendors play a role; features ask for a
    role, never for a vendor by name. Iterating gives the booking vendors
    (what /book offers); :attr:`booking`, :attr:`queues`, :meth:`get` and
    :meth:`queue` are shorthands for the two roles features use today.

    Adapters given as ``pending`` builders are imported and built the first time any
    of these is asked, not at start (a vendor's adapter and models are 5-10 ms of
    imports, and a first answer such as /help needs none); :attr:`names` tells which
    vendors are enabled without building them.
    """

    def __init__(self, enabled: dict[str, Vendor] | None = None, *,
                 pending: dict[str, Callable[[], Vendor]] | None = None) -> None:
        self._built = dict(enabled or {})
        self._pending = dict(pending or {})
        self.names: tuple[str, ...] = (*self._built, *self._pending)

    @property
    def enabled(self) -> dict[str, Vendor]:
        """Every enabled vendor, built now if it was not yet."""
        self.load()
        return self._built

    def load(self) -> None:
        """Import and build every adapter not built yet (a failure stays pending, and is
        raised again next time)."""
        if not self._pending:
            return  # the common case: every call of every feature comes through here
        while self._pending:
            name, build = next(iter(self._pending.items()))
            self._built[name] = build()
            del self._pending[name]
        self._built = {name: self._built[name] for name in self.names}

    def playing(self, role: type[R]) -> dict[str, R]:
        """The enabled vendors that play ``role``, by name, in registry order."""
        return {n: v for n, v in self.enabled.items() if isinstance(v, role)}

    def playing_as(self, role: type[R], name: str) -> R | None:
        """The vendor ``name`` if it is enabled and plays ``role``."""
        vendor = self.enabled.get(name)
        return vendor if isinstance(vendor, role) else None

    @property
    def booking(self) -> dict[str, BookingRole]:
        return self.playing(BookingRole)

    @property
    def queues(self) -> dict[str, QueueRole]:
        return self.playing(QueueRole)

    def get(self, name: str) -> BookingRole | None:
        return self.playing_as(BookingRole, name)

    def queue(self, name: str) -> QueueRole | None:
        return self.playing_as(QueueRole, name)

    def __iter__(self) -> Iterator[BookingRole]:
        return iter(self.booking.values())

    def __len__(self) -> int:
        return len(self.booking)

    async def aclose(self) -> None:
        """Close the vendors built so far (one never asked for has nothing open)."""
        for vendor in list(self._built.values()):
            await vendor.aclose()


def env_prefix(name: str) -> str:
    """The start of every variable of vendor ``name`` (each vendor's settings declare it)."""
    return f"{name.upper()}_"


def build_enabled(deps: VendorDeps, names: tuple[str, ...] = tuple(VENDORS)) -> Vendors:
    """The vendors whose credentials are configured (settings read and checked now), each
    adapter imported and built when features first ask for vendors (see :class:`Vendors`)."""
    pending: dict[str, Callable[[], Vendor]] = {}
    configured = variable_names()
    for name in names:
        prefix = env_prefix(name).lower()
        if not any(variable.startswith(prefix) for variable in configured):
            log.info("vendor=%s disabled (none of its variables is set)", name)
            continue
        settings = load_settings(name)
        if not settings.enabled:
            log.info("vendor=%s disabled (no credentials configured)", name)
            continue
        pending[name] = functools.partial(_build, name, settings, deps)
        log.info("vendor=%s enabled", name)
    return Vendors(pending=pending)


def _build(name: str, settings: VendorSettings, deps: VendorDeps) -> Vendor:
    vendor = adapter_class(name)(settings, deps)
    log.debug("vendor=%s adapter built", name)
    return vendor
