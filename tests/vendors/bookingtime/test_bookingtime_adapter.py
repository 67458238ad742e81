"""The adapter against the simulator over HTTP: sites, templates, rules, bookings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.vendors.bookingtime import simulator_data as seed
from bot.vendors.bookingtime.details import address_object
from bot.vendors.errors import InputRejected, NotFound, ServiceUnavailable, SlotUnavailable
from bot.vendors import BookingClaim, Capability, Money

BERLIN, ZURICH = seed.BERLIN.id, seed.ZURICH.id
HAIRCUT, COLOURING, CONSULTATION = seed.HAIRCUT.id, seed.COLOURING.id, seed.CONSULTATION.id
MASSAGE, PHYSIO = seed.MASSAGE.id, seed.PHYSIO.id


def hhmm(slots) -> list[str]:
    return [s.start.strftime("%H:%M") for s in slots]


async def test_one_site_per_organization_with_place_and_coordinates(vendor, customer):
    sites = await vendor.list_sites(customer())
    assert [s.id for s in sites] == [BERLIN, ZURICH]
    berlin, zurich = sites
    assert (berlin.name, berlin.timezone, berlin.city) == ("Salon Mitte", "Europe/Berlin", "Berlin")
    assert berlin.address == "Friedrichstraße 100, 10117 Berlin"
    assert (berlin.latitude, berlin.longitude) == (52.520008, 13.388228)
    assert (zurich.name, zurich.timezone) == ("Praxis am See", "Europe/Zurich")
    assert await vendor.get_site(customer(), ZURICH) == zurich
    with pytest.raises(NotFound):
        await vendor.get_site(customer(), "not-configured")
    assert vendor.title == "bookingtime"
    assert vendor.capabilities == {Capability.CANCEL, Capability.RESCHEDULE, Capability.PRICES,
                                   Capability.DURATION, Capability.COORDINATES}


async def test_templates_become_services_with_prices_in_the_customers_language(vendor, customer):
    english = {s.id: s for s in await vendor.list_services(customer(language="en"), BERLIN)}
    assert list(english) == [HAIRCUT, COLOURING, CONSULTATION]
    haircut = english[HAIRCUT]
    assert (haircut.name, haircut.duration_minutes) == ("Haircut", 30)
    assert haircut.price == Money(amount=Decimal("35.00"), currency="EUR")
    assert english[COLOURING].price == Money(amount=Decimal("89.90"), currency="EUR")
    assert english[CONSULTATION].price is None  # showPrice is false
    german = {s.id: s.name for s in await vendor.list_services(customer(language="de"), BERLIN)}
    assert german[HAIRCUT] == "Haarschnitt"
    italian = {s.id: s.name for s in await vendor.list_services(customer(language="it"), BERLIN)}
    assert italian == {HAIRCUT: "Taglio di capelli", COLOURING: "Colorazione",
                       CONSULTATION: "Typberatung"}  # no Italian name: the default one
    swiss = {s.id: s for s in await vendor.list_services(customer(), ZURICH)}
    assert swiss[MASSAGE].price == Money(amount=Decimal("120.00"), currency="CHF")
    assert swiss[PHYSIO].duration_minutes == 45


async def test_slots_respect_the_lead_time(wednesday, sim, customer):
    (vendor, today), anna = wednesday, customer()  # Wednesday 09:20
    haircut = await vendor.list_slots(anna, BERLIN, HAIRCUT, today)  # 120 minutes
    assert hhmm(haircut)[:2] == ["11:30", "12:00"] and hhmm(haircut)[-1] == "16:30"
    consultation = await vendor.list_slots(anna, BERLIN, CONSULTATION, today)  # 60 minutes
    assert hhmm(consultation)[0] == "10:30"
    assert all(s.end == s.start + timedelta(minutes=30) for s in haircut)
    assert all(s.start.tzinfo is not None and s.start.utcoffset() for s in haircut)

    sim.enforce_rules = False  # the simulator now offers every slot: we still must not
    assert hhmm(await vendor.list_slots(anna, BERLIN, HAIRCUT, today))[0] == "11:30"
    massage = await vendor.list_slots(anna, ZURICH, MASSAGE, today)  # 180 minutes
    assert hhmm(massage)[0] == "13:00"


async def test_days_respect_the_booking_window(wednesday, sim, customer):
    (vendor, today), anna = wednesday, customer()
    haircut = await vendor.open_days(anna, BERLIN, HAIRCUT, today, 100)  # days 0..14
    assert haircut[0] == today and haircut[-1] == today + timedelta(days=14)
    assert all(d.isoweekday() <= 5 for d in haircut) and len(haircut) == 11
    colouring = await vendor.open_days(anna, BERLIN, COLOURING, today, 3)  # days 1..28
    assert colouring == [today + timedelta(days=n) for n in (1, 2, 5)]
    assert await vendor.list_slots(anna, BERLIN, COLOURING, today) == []
    saturday = today + timedelta(days=3)
    assert saturday in await vendor.open_days(anna, ZURICH, MASSAGE, today, 5)

    sim.enforce_rules = False  # the simulator offers every day: we still keep the window
    consultation = await vendor.open_days(anna, BERLIN, CONSULTATION, today, 100)  # days 0..7
    assert consultation[-1] == today + timedelta(days=7) and len(consultation) == 6
    assert await vendor.list_slots(anna, BERLIN, CONSULTATION, today + timedelta(days=8)) == []
    assert await vendor.open_days(anna, BERLIN, CONSULTATION, today + timedelta(days=8), 5) == []
    assert await vendor.open_days(anna, BERLIN, HAIRCUT, today, 2) == haircut[:2]


async def test_required_details_follow_the_template(vendor, customer):
    def fields(details):
        return [(f.id, f.kind) for f in details]

    anna = customer()
    names = [("first_name", "first_name"), ("last_name", "last_name")]
    assert fields(await vendor.required_details(anna, BERLIN, CONSULTATION)) == names
    assert fields(await vendor.required_details(anna, BERLIN, HAIRCUT)) == names + [
        ("email", "email")]
    assert fields(await vendor.required_details(anna, BERLIN, COLOURING)) == names + [
        ("phone", "phone")]
    massage = await vendor.required_details(anna, ZURICH, MASSAGE)
    assert fields(massage) == names + [("email", "email"), ("phone", "phone")]
    assert massage[3].placeholder.startswith("+41")
    assert fields(await vendor.required_details(anna, ZURICH, PHYSIO)) == names + [
        ("address", "address")]
    german = await vendor.required_details(customer(language="de"), BERLIN, HAIRCUT)
    assert [f.label for f in german] == ["Vorname", "Nachname", "E-Mail-Adresse"]
    with pytest.raises(NotFound):
        await vendor.required_details(anna, BERLIN, MASSAGE)  # a Zurich template


async def test_booking_with_email_reaches_the_simulator_and_takes_the_slot(
    wednesday, sim, customer, pick, draft
):
    (vendor, today), anna = wednesday, customer()
    thursday = today + timedelta(days=1)
    site, service, slot = await pick(vendor, anna, BERLIN, HAIRCUT, thursday, "14:00")

    booking = await vendor.book(anna, draft(site, service, slot, first_name="Anna",
                                            last_name="Schmidt", email="anna@example.org"))

    held = sim.appointment(booking.external_id)
    assert held is not None and held.start == slot.start and held.template.id == HAIRCUT
    assert held.customer == {"firstName": "Anna", "lastName": "Schmidt",
                             "email": "anna@example.org"}
    assert sim.is_taken(BERLIN, HAIRCUT, slot.start)
    assert "14:00" not in hhmm(await vendor.list_slots(anna, BERLIN, HAIRCUT, thursday))
    assert (booking.site_id, booking.service_id, booking.vendor) == (BERLIN, HAIRCUT, "bookingtime")
    assert (booking.site_name, booking.service_name, booking.state) == (
        "Salon Mitte", "Haircut", "confirmed")
    assert booking.start == slot.start and booking.end == slot.start + timedelta(minutes=30)
    assert booking.timezone == "Europe/Berlin"
    assert booking.price == Money(amount=Decimal("35"), currency="EUR")
    assert await vendor.list_bookings(anna) == [booking]

    with pytest.raises(SlotUnavailable):  # someone else on the same slot
        await vendor.book(customer("bruno"), draft(site, service, slot, first_name="B",
                                                   last_name="C", email="b@example.org"))


async def test_a_repeated_draft_is_refused_and_the_first_booking_is_listed(
    vendor, sim, customer, draft
):
    """bookingtime takes no idempotency key: the conversation's claim looks the
    first booking up (find_claimed) instead of booking again."""
    anna = customer()
    site = await vendor.get_site(anna, BERLIN)
    service = (await vendor.list_services(anna, BERLIN))[2]
    day = (await vendor.open_days(anna, BERLIN, service.id, date.today() + timedelta(days=1), 1))[0]
    slot = (await vendor.list_slots(anna, BERLIN, service.id, day))[0]
    wanted = draft(site, service, slot, first_name="Anna", last_name="Schmidt")
    first = await vendor.book(anna, wanted)
    with pytest.raises(SlotUnavailable):
        await vendor.book(anna, wanted)
    assert await vendor.list_bookings(anna) == [first]
    assert len(sim.appointments(BERLIN)) == 1


async def test_a_booking_whose_answer_was_lost_is_found_by_its_custom_id(
    wednesday, sim, customer, pick, draft, make_vendor
):
    """The claim's key travels as ``customId``: after a crash (a new adapter
    whose index never heard of the appointment) identify finds it and /my lists it."""
    (vendor, today), anna = wednesday, customer()
    site, service, slot = await pick(vendor, anna, BERLIN, HAIRCUT, today + timedelta(days=1), "14:00")
    booking = await vendor.book(anna, draft(site, service, slot, key="c0ffee01",
                                            first_name="Anna", last_name="S", email="a@example.org"))
    assert sim.appointment(booking.external_id).custom_id == "c0ffee01"

    restarted = make_vendor(on_sim_clock=True)
    claim = BookingClaim(key="c0ffee01", site_id=BERLIN, service_id=HAIRCUT, start=slot.start)
    with pytest.raises(ServiceUnavailable):
        await restarted.list_bookings(anna)  # the in-memory index is empty after a restart
    assert await restarted.find_claimed(anna, claim) == booking
    assert await restarted.list_bookings(anna) == [booking]
    assert await restarted.find_claimed(anna, claim.model_copy(update={"key": "0ther"})) is None
    await restarted.cancel(anna, booking)
    assert await restarted.find_claimed(anna, claim) is None


async def test_missing_required_field_is_rejected_naming_it(
    wednesday, sim, customer, pick, draft
):
    (vendor, today), anna = wednesday, customer()
    thursday, jonas = today + timedelta(days=1), customer("jonas", language="de")
    site, service, slot = await pick(vendor, anna, ZURICH, MASSAGE, thursday, "10:00")

    with pytest.raises(InputRejected) as no_phone:
        await vendor.book(anna, draft(site, service, slot, first_name="Anna",
                                      last_name="Meier", email="anna@example.org"))
    assert no_phone.value.field == "phone"
    assert no_phone.value.reason == "Please enter your mobile phone number."
    with pytest.raises(InputRejected) as no_email:
        await vendor.book(jonas, draft(site, service, slot, first_name="Jonas",
                                       last_name="Meier", phone="+41 79 555 12 12"))
    assert no_email.value.field == "email"
    assert no_email.value.reason == "Bitte geben Sie Ihre E-Mail-Adresse an."
    with pytest.raises(InputRejected) as bad_email:
        await vendor.book(anna, draft(site, service, slot, first_name="Anna", last_name="Meier",
                                      email="anna at home", phone="+41 79 555 12 12"))
    assert bad_email.value.field == "email"
    with pytest.raises(InputRejected) as no_name:
        await vendor.book(anna, draft(site, service, slot, last_name="Meier",
                                      email="anna@example.org", phone="+41795551212"))
    assert no_name.value.field == "first_name"
    assert sim.appointments() == [] and not sim.is_taken(ZURICH, MASSAGE, slot.start)

    booking = await vendor.book(anna, draft(site, service, slot, first_name="Anna",
                                            last_name="Meier", email="anna@example.org",
                                            phone="+41 79 555 12 12"))
    assert sim.appointment(booking.external_id).customer["mobile"] == "+41 79 555 12 12"


async def test_an_address_is_sent_as_an_address_object(wednesday, sim, customer, pick, draft):
    (vendor, today), anna = wednesday, customer()
    thursday = today + timedelta(days=1)
    site, service, slot = await pick(vendor, anna, ZURICH, PHYSIO, thursday, "11:00")
    with pytest.raises(InputRejected) as no_city:
        await vendor.book(anna, draft(site, service, slot, first_name="Anna",
                                      last_name="Meier", address="Dorfstrasse 5"))
    assert no_city.value.field == "address"
    booking = await vendor.book(anna, draft(site, service, slot, first_name="Anna",
                                            last_name="Meier",
                                            address="Dorfstrasse 5, 8700 Küsnacht"))
    assert sim.appointment(booking.external_id).customer["address"] == {
        "class": "ADDRESS", "street": "Dorfstrasse 5", "zip": "8700", "city": "Küsnacht",
        "country": "CH"}
    assert booking.end == booking.start + timedelta(minutes=45)
    assert address_object("Main St 1\nApt 2, Springfield") == {
        "class": "ADDRESS", "street": "Main St 1, Apt 2", "city": "Springfield"}


async def test_move_and_cancel(wednesday, sim, customer, pick, draft):
    (vendor, today), anna = wednesday, customer()
    friday = today + timedelta(days=2)
    site, service, slot = await pick(vendor, anna, BERLIN, COLOURING, friday, "10:00")
    wanted = draft(site, service, slot, first_name="Anna", last_name="Schmidt",
                   phone="+4915123456789")
    booking = await vendor.book(anna, wanted)
    later = next(s for s in await vendor.list_slots(anna, BERLIN, COLOURING, friday)
                 if s.start.strftime("%H:%M") == "15:00")

    moved = await vendor.reschedule(anna, booking, later)

    assert moved.external_id == booking.external_id and moved.start == later.start
    assert moved.end == later.start + timedelta(hours=1) and moved.state == "confirmed"
    assert sim.appointment(booking.external_id).start == later.start
    assert not sim.is_taken(BERLIN, COLOURING, slot.start)
    assert sim.is_taken(BERLIN, COLOURING, later.start)
    assert hhmm(await vendor.list_slots(anna, BERLIN, COLOURING, friday)).count("10:00") == 1
    assert await vendor.list_bookings(anna) == [moved]
    taken = next(s for s in await vendor.list_slots(anna, BERLIN, COLOURING, friday)
                 if s.start.strftime("%H:%M") == "11:00")
    await vendor.book(customer("bruno"), draft(site, service, taken, first_name="B",
                                               last_name="C", phone="+4915100000000"))
    with pytest.raises(SlotUnavailable):
        await vendor.reschedule(anna, moved, taken)

    with pytest.raises(NotFound):  # not Bruno's to cancel
        await vendor.cancel(customer("bruno"), moved)
    await vendor.cancel(anna, moved)

    assert sim.appointment(booking.external_id).status == "CANCELED"
    assert not sim.is_taken(BERLIN, COLOURING, later.start)
    assert await vendor.list_bookings(anna) == []
    again = await vendor.book(anna, wanted)  # the key no longer stands for a live booking
    assert again.external_id != booking.external_id and again.start == slot.start


async def test_bookings_cancelled_elsewhere_show_as_cancelled_once(
    wednesday, sim, customer, pick, draft
):
    (vendor, today), anna = wednesday, customer()
    thursday = today + timedelta(days=1)
    site, service, slot = await pick(vendor, anna, BERLIN, HAIRCUT, thursday, "15:00")
    booking = await vendor.book(anna, draft(site, service, slot, first_name="A",
                                            last_name="S", email="a@example.org"))
    sim.appointment(booking.external_id).status = "CANCELED"  # e.g. by the salon
    assert [b.state for b in await vendor.list_bookings(anna)] == ["cancelled"]
    assert await vendor.list_bookings(anna) == []


async def test_customers_unknown_since_start_cannot_be_listed(vendor, customer):
    with pytest.raises(ServiceUnavailable):  # rather than "none", which would read as cancelled
        await vendor.list_bookings(customer())


async def test_cancelling_an_appointment_cancelled_already_is_done(wednesday, sim, customer, pick, draft):
    """An earlier cancel did it but its answer was lost: bookingtime refuses the repeat
    (400, already cancelled); the booking is cancelled, so the repeat succeeds."""
    (vendor, today), anna = wednesday, customer()
    thursday = today + timedelta(days=1)
    site, service, slot = await pick(vendor, anna, BERLIN, HAIRCUT, thursday, "15:00")
    booking = await vendor.book(anna, draft(site, service, slot, first_name="A",
                                            last_name="S", email="a@example.org"))
    await vendor.cancel(anna, booking)
    await vendor.cancel(anna, booking)
    assert sim.appointment(booking.external_id).status == "CANCELED"
