"""The ufirst adapter against the simulator over real HTTP."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.vendors.errors import InputRejected, NotFound, SlotUnavailable
from bot.vendors import Capability

ROME, REGISTRY, ENTRANCE = "UFROM001", "UFROM001-registry", "UFROM001-T_entrance"
PHONE = "contact-phone-number"
WINTER, SUMMER = {12, 1, 2}, {6, 7, 8}


async def test_lists_sites_services_days_and_slots_in_rome(vendor, customer, future_day):
    anna = customer()
    sites = await vendor.list_sites(anna)
    assert vendor.title == "Ufirst Demo"
    assert {s.city for s in sites} >= {"Rome", "Milan", "Paris", "Lisbon"}
    rome = next(s for s in sites if s.id == ROME)
    assert (rome.timezone, rome.latitude, rome.longitude) == ("Europe/Rome", 41.902, 12.501)
    assert rome.address and "Roma" in rome.address
    assert all(s.latitude is not None for s in sites)
    assert vendor.can(Capability.COORDINATES) and vendor.can(Capability.CANCEL)

    services = await vendor.list_services(anna, ROME)
    # the archive service is inactive
    assert [s.id for s in services] == ["UFROM001-registry", "UFROM001-passport"]

    monday = future_day(1)
    days = await vendor.open_days(anna, ROME, REGISTRY, monday, 7)
    assert days == [monday + timedelta(days=n) for n in (0, 1, 2, 3, 4, 5, 7)]  # no Sunday

    slots = await vendor.list_slots(anna, ROME, REGISTRY, future_day(3))
    assert len(slots) == 18  # 09:00..17:00 on two resources
    assert slots == sorted(slots, key=lambda s: s.start)
    first = slots[0]
    assert first.start.tzinfo == ZoneInfo("Europe/Rome") and first.start.time() == time(9)
    assert [s.resource for s in slots[:4]] == ["Entrance", "Desk 2"] * 2  # ufirst's order
    assert {(s.resource, s.remaining) for s in slots} == {("Entrance", 3), ("Desk 2", 4)}


async def test_slots_follow_business_hours(vendor, customer, future_day):
    anna = customer()
    saturday = await vendor.list_slots(anna, ROME, REGISTRY, future_day(6))
    assert {s.start.strftime("%H%M") for s in saturday} == {"0900", "1000", "1100", "1200"}
    assert await vendor.list_slots(anna, ROME, REGISTRY, future_day(7)) == []
    lisbon = await vendor.list_slots(anna, "UFLIS001", "UFLIS001-citizen", future_day(2))
    assert max(s.start.hour for s in lisbon) == 16  # closes at 17:00
    assert all(s.resource is None for s in lisbon)  # a single resource needs no name


async def test_past_slots_and_closed_today_are_dropped(make_vendor, customer, future_day):
    day = future_day(3)
    noon = datetime.combine(day, time(12, 30), tzinfo=ZoneInfo("Europe/Rome"))
    vendor = make_vendor(now=lambda: noon)
    slots = await vendor.list_slots(customer(), ROME, REGISTRY, day)
    assert min(s.start for s in slots).time() == time(13)
    evening = make_vendor(now=lambda: noon.replace(hour=17, minute=30))
    days = await evening.open_days(customer(), ROME, REGISTRY, day - timedelta(days=3), 2)
    assert days == [day + timedelta(days=1), day + timedelta(days=2)]


async def test_required_details_carry_the_vendor_rules(vendor, customer):
    anna = customer()
    (phone,) = await vendor.required_details(anna, ROME, REGISTRY)
    assert (phone.id, phone.kind, phone.pattern) == (PHONE, "phone", r"^[0-9]{9,40}$|^none$")
    assert phone.label == "Your phone number" and phone.placeholder == "1234567890"
    assert phone.accepts("0612345678") and not phone.accepts("12ab")
    paris = await vendor.required_details(anna, "UFPAR001", "UFPAR001-permits")
    assert [(d.id, d.kind) for d in paris] == [(PHONE, "phone"), ("contact-email", "email")]
    with pytest.raises(NotFound):
        await vendor.required_details(anna, ROME, "UFROM001-archive")


async def test_book_creates_a_reservation_for_that_user(vendor, sim, customer, future_day,
                                                        pick, draft):
    anna, day = customer(), future_day(3)
    site, service, slot = await pick(vendor, anna, day, "1100")
    assert sim.remaining(ROME, ENTRANCE, day, "1100") == 3

    booking = await vendor.book(anna, draft(site, service, slot))

    (kept,) = sim.reservations_for(anna.pseudonym)
    assert kept.id == booking.external_id and kept.label == booking.label == "A1"
    assert kept.state == "waiting" and booking.state == "confirmed"
    assert kept.values == {PHONE: "0612345678"}
    assert booking.start == slot.start and booking.timezone == "Europe/Rome"
    assert (booking.site_name, booking.service_name) == (site.name, "Registry office")
    assert sim.remaining(ROME, ENTRANCE, day, "1100") == 2
    again = await vendor.list_slots(anna, ROME, REGISTRY, day)
    assert next(s for s in again if s.id == slot.id).remaining == 2
    assert all(str(anna.telegram_id) not in path for _, path, _ in sim.log)


@pytest.mark.parametrize(("months", "offset"), [(WINTER, "+01:00"), (SUMMER, "+02:00")])
async def test_sent_instant_carries_the_points_offset(vendor, sim, customer, future_day, pick,
                                                      draft, months, offset):
    anna, day = customer(), future_day(3, months)
    site, service, slot = await pick(vendor, anna, day, "1100")
    await vendor.book(anna, draft(site, service, slot))
    (kept,) = sim.reservations_for(anna.pseudonym)
    assert kept.sent_start == f"{day.isoformat()}T11:00:00{offset}"


async def test_lisbon_instant_is_sent_with_its_own_offset(vendor, sim, customer, future_day,
                                                          pick, draft):
    anna, day = customer(), future_day(2, WINTER)
    picked = await pick(vendor, anna, day, "0900", "UFLIS001", "UFLIS001-citizen", None)
    await vendor.book(anna, draft(*picked))
    assert sim.reservations_for(anna.pseudonym)[0].sent_start == f"{day}T09:00:00+00:00"


async def test_invalid_phone_is_rejected_naming_the_parameter(vendor, sim, customer, future_day,
                                                              pick, draft):
    anna, day = customer(), future_day(3)
    site, service, slot = await pick(vendor, anna, day, "1000")
    with pytest.raises(InputRejected) as refused:
        await vendor.book(anna, draft(site, service, slot, contact_phone_number="12ab"))
    assert refused.value.field == PHONE and "^[0-9]{9,40}$" in refused.value.reason
    with pytest.raises(InputRejected) as missing:
        await vendor.book(anna, draft(site, service, slot).model_copy(update={"details": {}}))
    assert missing.value.field == PHONE
    assert sim.reservations_for(anna.pseudonym) == []
    assert sim.remaining(ROME, ENTRANCE, day, "1000") == 3


async def test_full_slot_is_unavailable(vendor, sim, customer, future_day, pick, draft):
    day = future_day(4)
    late = customer("late")
    site, service, slot = await pick(vendor, late, day, "1400")  # seen while 3 places were free
    for name in ("a", "b", "c"):
        someone = customer(name)
        await vendor.book(someone, draft(*await pick(vendor, someone, day, "1400")))
    assert sim.remaining(ROME, ENTRANCE, day, "1400") == 0
    with pytest.raises(SlotUnavailable) as full:
        await vendor.book(late, draft(site, service, slot))
    assert "full" in str(full.value)
    assert slot.id not in {s.id for s in await vendor.list_slots(late, ROME, REGISTRY, day)}
    assert sim.statuses("POST", "/reservations")[-1] == 409


async def test_cancel_frees_the_place(vendor, sim, customer, future_day, pick, draft):
    anna, day = customer(), future_day(5)
    site, service, slot = await pick(vendor, anna, day, "0900")
    booking = await vendor.book(anna, draft(site, service, slot))
    assert sim.remaining(ROME, ENTRANCE, day, "0900") == 2

    await vendor.cancel(anna, booking)

    assert sim.remaining(ROME, ENTRANCE, day, "0900") == 3
    assert sim.reservations_for(anna.pseudonym) == []
    assert await vendor.list_bookings(anna) == []
    await vendor.cancel(anna, booking)  # gone already: done, as the role promises

    assert sim.remaining(ROME, ENTRANCE, day, "0900") == 3


async def test_list_bookings_shows_only_the_users_own(vendor, customer, future_day, pick, draft):
    anna, bruno, day = customer(), customer("bruno"), future_day(3)
    late = await vendor.book(anna, draft(*await pick(vendor, anna, day, "1500")))
    desk = await pick(vendor, anna, day, "0900", resource="Desk 2")
    early = await vendor.book(anna, draft(*desk))
    listed = await vendor.list_bookings(anna)
    assert [b.external_id for b in listed] == [early.external_id, late.external_id]
    assert listed[0].site_name == "Ufirst Demo Roma Termini" and listed[0].timezone == "Europe/Rome"
    assert await vendor.list_bookings(bruno) == []


async def test_a_repeated_draft_books_once(vendor, make_vendor, sim, customer, future_day, pick,
                                           draft):
    anna, day = customer(), future_day(3)
    confirmed = draft(*await pick(vendor, anna, day, "1200"))
    first = await vendor.book(anna, confirmed)
    assert (await vendor.book(anna, confirmed)).external_id == first.external_id  # found at ufirst
    restarted = make_vendor()  # a new process: same store, nothing in memory
    assert (await restarted.book(anna, confirmed)).external_id == first.external_id
    assert len(sim.reservations_for(anna.pseudonym)) == 1
    assert sim.remaining(ROME, ENTRANCE, day, "1200") == 2


async def test_structure_is_cached_and_a_days_capacity_until_we_book(
    vendor, sim, customer, future_day, pick, draft
):
    anna, day = customer(), future_day(3)
    for _ in range(3):
        await vendor.list_services(anna, ROME)
        await vendor.required_details(anna, ROME, REGISTRY)
        await vendor.list_slots(anna, ROME, REGISTRY, day)
    # structure once; the day once, shared for a few seconds by whoever presses it
    assert len(sim.statuses("GET", f"/points/{ROME}")) == 1 + 1
    site, service, slot = await pick(vendor, anna, day, "1100")
    before = slot.remaining
    await vendor.book(anna, draft(site, service, slot))
    again = await vendor.list_slots(anna, ROME, REGISTRY, day)  # read afresh after booking
    assert len(sim.statuses("GET", f"/points/{ROME}")) == 1 + 2
    assert next(s for s in again if s.id == slot.id).remaining == before - 1  # type: ignore[operator]


async def test_unknown_site_and_service_are_not_found(vendor, customer, future_day):
    anna = customer()
    with pytest.raises(NotFound):
        await vendor.get_site(anna, "NOPE")
    with pytest.raises(NotFound):
        await vendor.list_services(anna, "NOPE")
    with pytest.raises(NotFound):
        await vendor.list_slots(anna, ROME, "UFROM001-nope", future_day(3))
