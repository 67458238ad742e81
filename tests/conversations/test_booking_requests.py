"""Which free text outside a flow reads as a booking request, and which names it picks."""

from __future__ import annotations

import pytest

from bot.conversations.booking.entry import match_one, reads_as_booking


@pytest.mark.parametrize(("text", "language"), [
    ("haircut tomorrow at 11", "en"), ("domani alle 11", "it"), ("demain 11h", "fr"),
    ("morgen 11 Uhr", "de"), ("friday", "en"), ("11:30", "en"), ("can I come on monday?", "en"),
])
def test_a_day_or_a_clock_time_is_a_request(text: str, language: str) -> None:
    assert reads_as_booking(text, language)


@pytest.mark.parametrize("text", ["hello", "thanks!", "🙂", "2 coffees please", "room 12", "ok 2", "morning", ""])
def test_chatter_and_bare_numbers_are_not(text: str) -> None:
    assert not reads_as_booking(text, "en")


def test_a_name_is_picked_only_when_the_words_name_exactly_one() -> None:
    assert match_one("haircut tomorrow at 11", ["Haircut", "Colouring", "Consultation"]) == 0
    assert match_one("Registry office domani", ["Registry office", "Passport office"]) == 0
    assert match_one("office tomorrow", ["Registry office", "Passport office"]) is None
    assert match_one("domani alle 11", ["Registry office", "Passport office"]) is None
    assert match_one("Café Zürich", ["cafe zurich"]) == 0  # case and accents do not matter
