"""Which vendors exist, and building the enabled ones.

Each entry is a package name under ``bot.vendors``; the package provides
``config.Settings`` (its environment variables), ``adapter.Vendor`` (a
:class:`~bot.vendors.interface.BookingVendor` or a
:class:`~bot.vendors.queue.QueueVendor`) and ``simulator.Simulator``
(its local stand-in for tests and the demo). Adapter modules are imported
only for vendors whose configuration is present, so an unused vendor costs
nothing at start-up. Adding a vendor is one folder plus one line here.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.vendors._config import VendorSettings
from bot.vendors._refs import RefStore
from bot.vendors._tokens import TokenStore
from bot.vendors.interface import BookingVendor, Vendor
from bot.vendors.queue import QueueVendor

log = logging.getLogger(__name__)

VENDORS: tuple[str, ...] = (
    "ufirst",
    "bookingtime",
    "filevirtuelle",
)


@dataclass(frozen=True)
class VendorDeps:
    """What the application lends every adapter."""

    tokens: TokenStore
    transport: Any = None  # an httpx.AsyncBaseTransport, to plug in a fake in unit tests
    refs: RefStore | None = None  # durable per-owner references; None: adapters keep them in memory


def load_settings(name: str) -> VendorSettings:
    module = importlib.import_module(f"bot.vendors.{name}.config")
    return module.Settings()


def simulator_class(name: str) -> type:
    return importlib.import_module(f"bot.vendors.{name}.simulator").Simulator


@dataclass
class Vendors:
    """The enabled vendors of this process, by name, in registry order.

    Iterating gives the booking vendors (what /book offers); queue vendors
    are in :attr:`queues`. A vendor is one or the other by the interface it
    implements, so features never ask for a vendor by name.
    """

    enabled: dict[str, Vendor] = field(default_factory=dict)

    @property
    def booking(self) -> dict[str, BookingVendor]:
        return {n: v for n, v in self.enabled.items() if isinstance(v, BookingVendor)}

    @property
    def queues(self) -> dict[str, QueueVendor]:
        return {n: v for n, v in self.enabled.items() if isinstance(v, QueueVendor)}

    def get(self, name: str) -> BookingVendor | None:
        return self.booking.get(name)

    def queue(self, name: str) -> QueueVendor | None:
        return self.queues.get(name)

    def __iter__(self) -> Iterator[BookingVendor]:
        return iter(self.booking.values())

    def __len__(self) -> int:
        return len(self.booking)

    async def aclose(self) -> None:
        for vendor in self.enabled.values():
            await vendor.aclose()


def build_enabled(deps: VendorDeps, names: tuple[str, ...] = VENDORS) -> Vendors:
    vendors = Vendors()
    for name in names:
        settings = load_settings(name)
        if not settings.enabled:
            log.info("vendor=%s disabled (no credentials configured)", name)
            continue
        adapter = importlib.import_module(f"bot.vendors.{name}.adapter")
        vendors.enabled[name] = adapter.Vendor(settings, deps)
        log.info("vendor=%s enabled", name)
    return vendors
