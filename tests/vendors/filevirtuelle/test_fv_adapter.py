"""The adapter against the simulator, through the vendor-neutral queue interface."""

from __future__ import annotations

import asyncio
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bot.vendors.errors import InputRejected, NotFound
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.adapter import FileVirtuelleVendor
from bot.vendors.filevirtuelle.budget import Priority
from bot.vendors.filevirtuelle.simulator import Simulator
from bot.vendors import Appointment, Capability, JoinRequest, NoticeRule, QueueRole


def by_name(name: str, path: tuple[str, ...] = (data.PICKUP,), site: str = data.PARIS,
            language: str = "en") -> JoinRequest:
    return JoinRequest(site_id=site, choice_path=path, contact_mode="name",
                       contact_value=name, language=language)


async def test_sites(vendor: FileVirtuelleVendor) -> None:
    assert isinstance(vendor, QueueRole) and vendor.can(Capability.QUEUE)
    sites = {s.id: s for s in await vendor.queue_sites()}
    paris, lyon = sites[data.PARIS], sites[data.LYON]
    assert (paris.name, paris.timezone, paris.languages) == (
        "Maison Exemple Paris", "Europe/Paris", ("fr", "en"))
    assert paris.contact_modes == {"name", "email"}
    assert lyon.languages == ("fr",) and lyon.contact_modes == {"phone"}
    assert vendor.title == "FileVirtuelle simulator"


async def test_choice_tree_by_language_with_fallback(vendor: FileVirtuelleVendor, sim: Simulator) -> None:
    roots = await vendor.choices(data.PARIS, None, "en")
    assert [(c.name, c.has_children) for c in roots] == [
        ("Order pickup", False), ("After-sales service", True)]  # the kiosk-only one hidden
    children = await vendor.choices(data.PARIS, data.AFTER_SALES, "en")
    assert [(c.name, c.appointment) for c in children] == [
        ("Repair", False), ("J'ai un rendez-vous", True)]  # no EN name: the store's first
    assert [c.name for c in await vendor.choices(data.PARIS, None, "fr")] == [
        "Retrait de commande", "Service après-vente"]
    assert [c.name for c in await vendor.choices(data.LYON, None, "de")] == [
        "Retours", "Informations"]
    with pytest.raises(NotFound):
        await vendor.choices(data.PARIS, data.EXCHANGE, "en")
    trees = sim.requests("GET", "/prequalifications")
    assert len(trees) == 2  # one per store, then cached
    assert trees[0].target.startswith("/api/public/v2/prequalifications/_id,")
    assert f"?search=suborganization%3D{data.PARIS}" in trees[0].target


async def test_join_by_name_at_paris(vendor: FileVirtuelleVendor, sim: Simulator) -> None:
    ticket = await vendor.join(by_name("Ada"))
    assert (ticket.vendor, ticket.site_id, ticket.number, ticket.state) == (
        "filevirtuelle", data.PARIS, "1", "waiting")
    assert sim.requests("POST", "/register")[0].body == {
        "lang": "EN", "prequalification": data.PICKUP, "prequalifications_path": [data.PICKUP],
        "suborganization": data.PARIS, "machine": data.MACHINE, "name": "Ada"}
    stored = sim.customer(ticket.external_id)
    assert stored is not None and stored["type"] == "name" and stored["name"] == "Ada"


async def test_a_claimed_join_is_found_again_by_its_key(vendor: FileVirtuelleVendor, sim: Simulator) -> None:
    """The claim key travels as ``external_meeting_id``: a join whose answer was
    lost is found with one search instead of registering the person twice."""
    request = by_name("Ada").model_copy(update={"claim_key": "c1a1m"})
    assert await vendor.find_joined(request) is None
    ticket = await vendor.join(request)
    assert sim.requests("POST", "/register")[-1].body["external_meeting_id"] == "c1a1m"
    assert await vendor.find_joined(request) == ticket
    search = sim.requests("GET", "/customers")[-1].target
    assert f"suborganization%3D{data.PARIS}%26external_meeting_id%3Dc1a1m" in search
    assert await vendor.find_joined(by_name("Ada").model_copy(update={"claim_key": "other"})) is None
    assert len(sim.queue(data.PARIS)) == 1


async def test_contact_modes_and_refusals(vendor: FileVirtuelleVendor, sim: Simulator) -> None:
    with pytest.raises(InputRejected) as refused:
        await vendor.join(JoinRequest(site_id=data.PARIS, choice_path=(data.PICKUP,),
                                      contact_mode="phone", contact_value="0612345678"))
    assert refused.value.field == "contact_mode"
    assert sim.requests("POST") == []  # known locally: no request spent
    with pytest.raises(InputRejected) as bad:
        await vendor.join(JoinRequest(site_id=data.PARIS, choice_path=(data.PICKUP,),
                                      contact_mode="email", contact_value="nope"))
    assert bad.value.field == "contact_value"
    assert bad.value.reason == data.ERRORS["InvalidContactInformation"][1]
    ticket = await vendor.join(JoinRequest(
        site_id=data.LYON, choice_path=(data.RETURNS, data.EXCHANGE), contact_mode="phone",
        contact_value="+33 6 12 34 56 78", language="en"))
    assert sim.requests("POST", "/register")[-1].body["lang"] == "FR"  # Lyon speaks FR only
    assert ticket.site_id == data.LYON and ticket.number == "1"


async def test_snapshot_shows_people_before(vendor: FileVirtuelleVendor, sim: Simulator) -> None:
    sim.add_waiting(data.PARIS, "Ana", minutes_ago=10)
    sim.add_waiting(data.PARIS, "Bob", minutes_ago=5)
    sim.add_waiting(data.LYON, "Cy", prequalification=data.INFO, minutes_ago=20)
    ticket = await vendor.join(by_name("Ada"))
    await vendor.desks(data.PARIS)  # warms the device cache, as the staff view would
    first = await vendor.snapshot(data.PARIS)
    before = len(sim.log)
    snapshot = await vendor.snapshot(data.PARIS)
    assert len(sim.log) == before + 1  # ONE request per store and snapshot
    request = sim.log[-1]
    assert request.target.startswith("/api/public/v2/customers/_id,ticket,")
    assert f"search=suborganization%3D{data.PARIS}%26stimestamp%3E%3D" in request.target
    assert snapshot.waiting == first.waiting and len(snapshot.waiting) == 3
    assert snapshot.people_before(ticket.external_id) == 2
    assert snapshot.state_of(ticket.external_id) == "waiting"
    assert snapshot.notice == NoticeRule(people_ahead=2)  # Paris calls back by people, ptc 2
    assert snapshot.open_desks == 2
    assert snapshot.notice_due(ticket.external_id)  # 2 people before
    assert snapshot.average_processing_minutes is None  # nobody processed, tree not loaded
    lyon = await vendor.snapshot(data.LYON)  # Lyon calls back by time: ttc 15, ptc 3
    assert lyon.notice == NoticeRule(minutes_left=15, people_ahead=3)


async def test_estimates_from_processing_times(vendor: FileVirtuelleVendor, sim: Simulator) -> None:
    for name in ("Ana", "Bob", "Cy", "Dan"):
        sim.add_waiting(data.PARIS, name, minutes_ago=30)
    ticket = await vendor.join(by_name("Ada"))
    await vendor.call_next(data.PARIS, data.PARIS_DESK_1)
    sim.clock.advance(minutes=6)
    await vendor.call_next(data.PARIS, data.PARIS_DESK_1)
    snapshot = await vendor.snapshot(data.PARIS)
    assert snapshot.average_processing_minutes == 6
    assert snapshot.people_before(ticket.external_id) == 2
    assert snapshot.estimated_wait_minutes(ticket.external_id) == pytest.approx(2 * 6 / 2)
    assert [c.state for c in snapshot.called] == ["called", "done"]


async def test_staff_next_serves_in_order_and_calls_back(
        vendor: FileVirtuelleVendor, sim: Simulator, receiver: SimpleNamespace) -> None:
    sim.next_url = receiver.url
    assert await vendor.callback_url() == receiver.url
    first = sim.add_waiting(data.PARIS, "Ana", minutes_ago=3)
    mine = await vendor.join(by_name("Ada"))
    desks = await vendor.desks(data.PARIS)
    assert [(d.name, d.open) for d in desks] == [("Guichet 1", True), ("Guichet 2", True)]
    called = await vendor.call_next(data.PARIS, data.PARIS_DESK_1)
    assert called is not None and called.external_id == first
    assert (called.state, called.desk_name) == ("called", "Guichet 1")
    await asyncio.wait_for(receiver.arrived.wait(), timeout=5)
    assert receiver.got[0]["customer"] == first
    assert receiver.got[0]["suborganization"] == data.PARIS
    second = await vendor.call_next(data.PARIS, data.PARIS_DESK_1)
    assert second is not None and second.external_id == mine.external_id
    snapshot = await vendor.snapshot(data.PARIS)
    assert snapshot.state_of(mine.external_id) == "called"
    called_mine = snapshot.called_ticket(mine.external_id)
    assert called_mine is not None and called_mine.desk_name == "Guichet 1"
    assert snapshot.state_of(first) == "done"
    assert await vendor.call_next(data.PARIS, data.PARIS_DESK_2) is None
    with pytest.raises(NotFound):
        await vendor.call_next(data.PARIS, data.LYON_DESK)


async def test_leave_deletes_the_customer(vendor: FileVirtuelleVendor, sim: Simulator) -> None:
    ticket = await vendor.join(by_name("Ada"))
    await vendor.leave(ticket)
    assert sim.customer(ticket.external_id) is None
    assert [e.target for e in sim.requests("DELETE")] == [
        f"/api/public/v2/customer/{ticket.external_id}"]
    await vendor.leave(ticket)  # already gone: not an error
    assert sim.requests("DELETE")[-1].error == "InvalidEntity"


async def test_appointment_sends_utc_with_z(vendor: FileVirtuelleVendor, sim: Simulator) -> None:
    start = datetime(2030, 6, 25, 17, 15, tzinfo=ZoneInfo("Europe/Paris"))
    request = by_name("Ada", path=(data.AFTER_SALES, data.APPOINTMENT)).model_copy(
        update={"appointment": Appointment(external_id="ext-42", start=start)})
    ticket = await vendor.join(request)
    body = sim.requests("POST", "/register")[0].body
    assert body["mtimestamp"] == "2030-06-25T15:15:00.000Z"
    assert (body["meeting"], body["external_meeting_id"]) == (True, "ext-42")
    assert body["prequalifications_path"] == [data.AFTER_SALES, data.APPOINTMENT]
    stored = sim.customer(ticket.external_id)
    assert stored is not None and stored["stimestamp"] == "2030-06-25T15:15:00.000Z"
    assert await vendor.call_next(data.PARIS, data.PARIS_DESK_2) is None  # not due yet


def to_minute_start(sim: Simulator, sim_time: SimpleNamespace) -> None:
    """Move the clock just past a minute's start: the counts below stay in one minute."""
    sim.clock.advance(seconds=60.0 - sim_time.now() % 60.0 + 1.0)


async def test_poll_interval_follows_the_budget(
    vendor: FileVirtuelleVendor, sim: Simulator, sim_time: SimpleNamespace
) -> None:
    to_minute_start(sim, sim_time)
    await vendor.queue_sites()  # reads max_hits = 600: 441 a minute for polling
    assert vendor.client.budget.used() == 2  # /api_info and /suborganizations, for a person
    assert vendor.poll_interval(1) == pytest.approx(60 / (0.8 * (441 - 2)))
    assert vendor.poll_interval(200) == pytest.approx(60 * 200 / (0.8 * 439))
    for _ in range(3):
        await vendor.snapshot(data.PARIS)  # polling's own calls are not taken off
    assert vendor.poll_interval(200) == pytest.approx(60 * 200 / (0.8 * 439))
    for _ in range(100):
        await vendor.client.info(refresh=True)  # people using the key: polling slows down
    assert vendor.poll_interval(200) == pytest.approx(60 * 200 / (0.8 * 339))
    vendor.client.budget.rate_limit_hit()  # after a 429: not before the pause ends
    assert vendor.poll_interval(1) >= vendor.client.budget.paused_for() > 1.0


async def test_with_a_small_budget_spent_polling_resumes_when_the_minute_turns(
    vendor: FileVirtuelleVendor, sim: Simulator, sim_time: SimpleNamespace
) -> None:
    to_minute_start(sim, sim_time)
    await vendor.queue_sites()
    budget = vendor.client.budget
    budget.configure(12)  # a small key: 11 a minute, 8 of them for polling
    sim.clock.advance(seconds=40)  # 40 s into the minute, people take what is left
    while await budget.try_acquire(Priority.INTERACTIVE):
        pass
    # The vendor counts per calendar minute: the next poll is when this one ends,
    # not a whole sliding minute after the last request.
    assert vendor.poll_interval(1) == pytest.approx(budget.minute_left()) and budget.minute_left() <= 20
    sim.clock.advance(seconds=budget.minute_left())
    assert budget.remaining(Priority.BACKGROUND) == budget.background_limit
