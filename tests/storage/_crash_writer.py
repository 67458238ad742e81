"""Run as a subprocess by the durability test: write, announce, then wait to be killed.

Usage: python -m ... <database url or path> committed|uncommitted
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from bot.storage import BookingDraftRecord, Storage

START = datetime(2030, 1, 17, 9, 0, tzinfo=UTC)


async def main(path: str, mode: str) -> None:
    storage = await Storage.open(path, "crash-test-secret-key-000000000000")
    draft = BookingDraftRecord(
        vendor="acme", owner=1, site_id="s", site_name="Site", service_id="v",
        service_name="Service", start_utc=START, end_utc=START + timedelta(minutes=15),
        timezone="UTC",
    )
    if mode == "committed":
        await storage.bookings.claim("durable-key", draft)
        await storage.bookings.confirm(
            "durable-key", external_id="EXT-1", label="L1", start_utc=START
        )
        print("committed", flush=True)
    else:
        async with storage.db.transaction():
            await storage.bookings.claim("lost-key", draft)
            print("inside", flush=True)
            await asyncio.sleep(3600)
    await asyncio.sleep(3600)  # never exits normally: the test SIGKILLs us


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
