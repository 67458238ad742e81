"""Run as a subprocess by the leadership test: lead, announce, then wait to be killed.

Usage: python _leader.py <postgresql url> <key>
"""

from __future__ import annotations

import asyncio
import sys

from bot.storage import Leadership, parse_database_url


async def main(url: str, key: int) -> None:
    leadership = Leadership(parse_database_url(url), key)
    await leadership.acquire()
    print("leader", flush=True)
    await asyncio.sleep(3600)  # never exits normally: the test SIGKILLs us


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
