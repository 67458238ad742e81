"""The booking steps' look, as pure functions of neutral models."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.conversations.booking import views
from bot.i18n import translator
from bot.ui.callbacks import CallbackData
from bot.vendors import Capability, Money, Service, Site, Slot


def _sites(n: int) -> list[Site]:
    return [Site(id=f"s{i}", name=f"Site {i}", timezone="Europe/Rome") for i in range(n)]


def _data(markup) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def test_sites_are_paginated_with_stable_indexes() -> None:
    t = translator("en")
    flow = "abc123"
    _, first = views.sites(t, flow, _sites(14), 0, back=False, can_locate=False)
    _, last = views.sites(t, flow, _sites(14), 2, back=True, can_locate=False)
    assert [d for d in _data(first) if d.startswith("bk:site:")] == [f"bk:site:{flow}:{i}" for i in range(6)]
    assert f"bk:sites:{flow}:1" in _data(first) and f"bk:sites:{flow}:-1" not in _data(first)
    assert [d for d in _data(last) if d.startswith("bk:site:")] == [f"bk:site:{flow}:12", f"bk:site:{flow}:13"]
    assert f"bk:back:{flow}" in _data(last)
    assert all(len(d.encode()) <= 64 for d in _data(first) + _data(last))
    assert all(CallbackData.decode(d) is not None for d in _data(first) + _data(last))


def test_service_label_shows_price_and_duration_only_when_the_vendor_has_them() -> None:
    service = Service(id="x", site_id="s", name="Cut", duration_minutes=45,
                      price=Money(amount=Decimal("99.99"), currency="EUR"))
    both = frozenset({Capability.PRICES, Capability.DURATION})
    assert views.service_label(service, translator("de"), both) == "Cut · 45 Min. · 99,99\xa0€"
    assert views.service_label(service, translator("en"), both) == "Cut · 45 min · €99.99"
    assert views.service_label(service, translator("en"), frozenset()) == "Cut"


def test_slot_labels_show_local_time_capacity_and_resource_when_ambiguous() -> None:
    site = Site(id="s", name="Roma", timezone="Europe/Rome")
    start = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("UTC"))
    listed = [Slot(id="a", start=start, remaining=2, resource="Entrance"),
              Slot(id="b", start=start, remaining=1, resource="Desk 2")]
    _, markup = views.slots(translator("it"), "abc123", site, start.date(), listed,
                            frozenset({Capability.CAPACITY}))
    labels = [b.text for row in markup.inline_keyboard for b in row]
    assert labels[0].startswith("11:00 Entrance") and "2" in labels[0]
    assert labels[1].startswith("11:00 Desk 2")
