"""Deep-link payloads: compact, within Telegram's rule, and read safely whatever is sent."""

from __future__ import annotations

import re

import pytest

from bot.ui.links import MAX_PAYLOAD, StartLink, digest, link_in

TELEGRAM_RULE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def test_a_link_round_trips_within_telegrams_rule() -> None:
    link = StartLink.to("book", "bookingtime", "f6berlin0salon000000000000000001", "fc01haircut00000000000000000001")
    payload = link.encode()
    assert TELEGRAM_RULE.fullmatch(payload) and len(payload) <= MAX_PAYLOAD
    assert StartLink.decode(payload) == link
    assert link.names_site("f6berlin0salon000000000000000001")
    assert link.names_service("fc01haircut00000000000000000001")
    assert not link.names_site("f6zurich0praxis00000000000000002")


def test_any_vendor_id_fits_because_links_carry_digests() -> None:
    link = StartLink.to("queue", "filevirtuelle", "ü/ id with spaces & ?=" * 10)
    assert TELEGRAM_RULE.fullmatch(link.encode())
    assert link.site == digest("ü/ id with spaces & ?=" * 10)


@pytest.mark.parametrize("payload", [
    "", "b", "b_", "b_ufirst", "b_ufirst_", "b_ufirst_xyz", "b_ufirst_0123456789_", "x_ufirst_0123456789",
    "B_ufirst_0123456789", "b_Ufirst_0123456789", "b_ufirst_0123456789abcdef", "q_ufirst_0123456789_0123456789",
    "b_ufirst_0123456789\n", "b_" + "a" * 60 + "_0123456789", None, 7, "b_ufirst_012345678٩",
])
def test_anything_else_is_no_link(payload: object) -> None:
    assert StartLink.decode(payload) is None


def test_only_start_with_one_payload_carries_a_link() -> None:
    payload = StartLink.to("book", "ufirst", "UFROM001").encode()
    assert link_in(f"/start {payload}") is not None
    assert link_in(f"/start@SomeBot {payload}") is not None
    assert link_in("/start") is None
    assert link_in(f"/start {payload} more") is None
    assert link_in(f"/help {payload}") is None
    assert link_in(f"/starts {payload}") is None
