"""Which vendors exist, and building the enabled ones.

Each entry is a package name under ``bot.vendors``; the package provides
``config.Settings`` (its environment variables), ``adapter.Vendor`` (a
:class:`~bot.vendors.interface.BookingVendor`) and ``simulator.Simulator``
(its local stand-in for tests and the demo). Adapter modules are imported
only for vendors whose configuration is present, so an unused vendor costs
nothing at start-up. Adding a vendor is one folder plus one line here.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.vendors._config import VendorSettings
from bot.vendors._tokens import TokenStore
from bot.vendors.interface import BookingVendor

log = logging.getLogger(__name__)

VENDORS: tuple[str, ...] = (
    "ufirst",
)


@dataclass(frozen=True)
class VendorDeps:
    """What the application lends every adapter."""

    tokens: TokenStore
    transport: Any = None  # an httpx.AsyncBaseTransport, to plug in a fake in unit tests


def load_settings(name: str) -> VendorSettings:
    module = importlib.import_module(f"bot.vendors.{name}.config")
    return module.Settings()


def simulator_class(name: str) -> type:
    return importlib.import_module(f"bot.vendors.{name}.simulator").Simulator


@dataclass
class Vendors:
    """The enabled vendors of this process, by name, in registry order."""

    enabled: dict[str, BookingVendor] = field(default_factory=dict)

    def get(self, name: str) -> BookingVendor | None:
        return self.enabled.get(name)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.enabled.values())

    def __len__(self) -> int:
        return len(self.enabled)

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
