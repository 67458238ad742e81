"""The ticket card and turn notices, as pure functions of a stored ticket and a snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.i18n import translator
from bot.notifications.callbacks import callback_path, strings_in
from bot.notifications.card import (
    called_notice,
    near_notice,
    render_card,
    rounded_minutes,
)
from bot.storage import TicketRecord
from bot.vendors import CalledTicket, NoticeRule, QueueSnapshot

NOW = datetime(2030, 6, 25, 13, 5, tzinfo=timezone.utc)  # 15:05 in Paris


def _ticket(**changes: object) -> TicketRecord:
    values: dict[str, object] = dict(
        id=7, vendor="v", external_id="me", owner=1, site_id="s", site_name="Paris", number="42",
        state="waiting", desk=None, card_chat_id=1, card_message_id=2, card_hash=None,
        notices_sent=frozenset(), created_at=NOW - timedelta(minutes=5), updated_at=NOW - timedelta(minutes=5),
    )
    return TicketRecord(**(values | changes))  # type: ignore[arg-type]


def _snapshot(waiting: tuple[str, ...], **changes: object) -> QueueSnapshot:
    values: dict[str, object] = dict(site_id="s", taken_at=NOW, waiting=waiting,
                                     average_processing_minutes=6.0, open_desks=2,
                                     notice=NoticeRule(people_ahead=2))
    return QueueSnapshot(**(values | changes))  # type: ignore[arg-type]


def test_waiting_card_shows_people_wait_and_store_time() -> None:
    card = render_card(translator("en"), _ticket(), _snapshot(("a", "b", "c", "d", "me")), "Europe/Paris")
    assert card.text.splitlines() == [
        "🎫 Ticket 42 · Paris",
        "👥 4 people before you",
        "⏱ Estimated wait: about 12 min",
        "🕒 Updated at 3:05\u202fPM (store time)",
    ]
    data = [b.callback_data for row in card.markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert data == ["tk:refresh:7", "tk:leave:7"]


def test_the_digest_ignores_the_time_so_unchanged_cards_are_not_edited() -> None:
    t = translator("en")
    earlier = render_card(t, _ticket(), _snapshot(("a", "me")), "Europe/Paris")
    later = render_card(t, _ticket(), _snapshot(("a", "me"), taken_at=NOW + timedelta(minutes=3)), "Europe/Paris")
    moved = render_card(t, _ticket(), _snapshot(("me",)), "Europe/Paris")
    assert earlier.text != later.text and earlier.digest == later.digest
    assert moved.digest != earlier.digest
    assert "please come back now" in earlier.text  # 1 before, 2 or fewer ahead


def test_called_done_and_left_cards() -> None:
    t = translator("en")
    called = _snapshot((), called=(CalledTicket(ticket_id="me", number="42", desk_name="Guichet 2"),))
    card = render_card(t, _ticket(), called, "Europe/Paris")
    assert "It's your turn! Please go to Guichet 2." in card.text and card.markup is not None
    assert render_card(t, _ticket(state="done"), called, "UTC").markup is None
    left = render_card(t, _ticket(state="left"), None, "UTC")
    assert left.markup is None and "no longer in the queue" in left.text
    # a call we learned of after the snapshot was taken is not undone by it
    stale = _snapshot(("me",), taken_at=NOW - timedelta(minutes=6))
    known = render_card(t, _ticket(state="called", desk="Guichet 1"), stale, "UTC")
    assert "Guichet 1" in known.text


def test_notices_follow_the_store_rule() -> None:
    t = translator("en")
    by_people = near_notice(t, _ticket(), _snapshot(("a", "b", "me")))
    assert "2 people before you." in by_people and "ticket 42" in by_people
    by_time = near_notice(t, _ticket(), _snapshot(("a", "b", "me"), notice=NoticeRule(minutes_left=10, people_ahead=2)))
    assert "About 6 min left." in by_time
    assert "Guichet 1" in called_notice(t, _ticket(), "Guichet 1")
    assert rounded_minutes(0.2) == 1 and rounded_minutes(9.1) == 10 and rounded_minutes(23) == 25 and rounded_minutes(14.2) == 15


def test_callback_secret_and_payload_hints() -> None:
    path = callback_path("k" * 32, "vendor")
    assert path.startswith("/vendors/vendor/next/") and len(path.rsplit("/", 1)[1]) == 40
    assert callback_path("k" * 32, "vendor") == path != callback_path("j" * 32, "vendor")
    assert strings_in({"a": ["s1", {"b": 2, "c": "s2"}]}) == {"a", "s1", "b", "s2", "c"}
    assert len(strings_in({"x": [str(i) for i in range(10_000)]})) <= 200
