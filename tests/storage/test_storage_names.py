"""Storage names never shadow vendor or Telegram names.

A feature module handles a vendor's ``Booking`` and our stored row of it side by side;
when both were called ``Booking`` every importer aliased one (``StoredBooking``), each
in its own way. Rows are ``*Record`` instead, and this keeps new ones from colliding.
"""

from __future__ import annotations

import telegram

import bot.storage
import bot.vendors


def test_no_storage_export_shares_a_name_with_vendors_or_telegram() -> None:
    theirs = set(bot.vendors.__all__) | set(telegram.__all__)
    clashes = sorted(set(bot.storage.__all__) & theirs)
    assert not clashes, f"rename these storage exports (e.g. to *Record): {clashes}"
