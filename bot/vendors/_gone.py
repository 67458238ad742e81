"""The one way adapters make :meth:`BookingRole.cancel` idempotent: gone is done.

A booking the vendor no longer has (its API answers 404, which every adapter
translates to :class:`~bot.vendors.errors.NotFound` at its boundary) is what
the person asked for when they cancelled. Adapters wrap only the vendor's own
cancel call in :func:`gone_is_done`, so a NotFound raised for another reason
before it (an unknown site, another customer's booking) still reaches the
caller.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.vendors.errors import NotFound

log = logging.getLogger(__name__)


@asynccontextmanager
async def gone_is_done(vendor: str, external_id: str) -> AsyncIterator[None]:
    """Run the vendor's cancel of ``external_id``; a NotFound from it means cancelled already."""
    try:
        yield
    except NotFound:
        log.info("vendor=%s booking %s: not found on cancel, taken as cancelled",
                 vendor, external_id)
