"""Where an adapter keeps references per owner that its vendor cannot list back.

An adapter that must remember, say, which appointments a customer booked
(because the vendor can show one by id but not list a customer's) keeps them
in a :class:`RefStore`. The application lends one backed by the database
(:class:`bot.storage.VendorRefRepo`) through ``VendorDeps.refs``, so the
references survive a restart; without it an adapter falls back to memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from bot.storage.vendor_refs import VendorRef


class RefStore(Protocol):
    async def add(
        self, vendor: str, owner: str, ref_id: str, data: Mapping[str, Any] | None = None
    ) -> VendorRef: ...

    async def remove(self, vendor: str, owner: str, ref_id: str) -> bool: ...

    async def list_for_owner(self, vendor: str, owner: str) -> list[VendorRef]: ...

    async def owner_of(self, vendor: str, ref_id: str) -> str | None: ...
