"""Webhook management with server credentials, and the events role built on it."""

from __future__ import annotations

import pytest

from bot.vendors.errors import AuthFailed, InputRejected, NotFound
from bot.vendors.ufirst.client import WebhookConflict


async def test_webhooks_crud_and_one_per_point(vendor, sim):
    client = vendor.client
    assert await client.webhooks("UFROM001") == []

    created = await client.create_webhook("UFROM001", "https://bot.example.org/hooks/ufirst")
    assert created.target == "resourcesWithReservations"
    assert [h.id for h in await client.webhooks("UFROM001")] == [created.id]
    assert sim.webhooks_for("UFROM001")[0]["url"] == "https://bot.example.org/hooks/ufirst"

    with pytest.raises(WebhookConflict) as conflict:
        await client.create_webhook("UFROM001", "https://other.example.org/hook")
    assert isinstance(conflict.value, InputRejected) and "single webhook" in conflict.value.reason
    assert sim.statuses("POST", "/UFROM001/webhooks")[-1] == 409

    milan = await client.create_webhook("UFMIL001", "https://bot.example.org/hooks/milan")
    assert milan.id != created.id  # the limit is per point

    updated = await client.update_webhook("UFROM001", created.id, "https://new.example.org/h")
    assert (updated.id, updated.url) == (created.id, "https://new.example.org/h")
    assert sim.webhooks_for("UFROM001")[0]["url"] == "https://new.example.org/h"

    await client.delete_webhook("UFROM001", created.id)
    assert await client.webhooks("UFROM001") == []
    assert sim.statuses("DELETE", f"/webhooks/{created.id}") == [204]
    with pytest.raises(NotFound):
        await client.delete_webhook("UFROM001", created.id)
    assert len(await client.webhooks("UFMIL001")) == 1
    assert sim.login_count("anyone") == 0  # server credentials only, no user JWT


async def test_webhook_input_and_credentials_are_checked(vendor, make_vendor):
    with pytest.raises(InputRejected):
        await vendor.client.create_webhook("UFROM001", "ftp://nope")
    with pytest.raises(InputRejected):
        await vendor.client.create_webhook("UFROM001", "https://ok.example.org", target="x")
    with pytest.raises(NotFound):
        await vendor.client.webhooks("NOPE")
    with pytest.raises(NotFound):
        await vendor.client.update_webhook("UFROM001", "missing", "https://ok.example.org")
    impostor = make_vendor(client_email="someone@else.example.com")
    with pytest.raises(AuthFailed):
        await impostor.client.webhooks("UFROM001")


async def _serve_hook(calls: list[dict]):  # type: ignore[no-untyped-def]
    """A tiny receiver standing in for the bot's vendor-event route."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from bot.asgi import BackgroundServer

    async def hook(request: Request) -> JSONResponse:
        calls.append(await request.json())
        return JSONResponse({"ok": True})

    server = BackgroundServer(Starlette(routes=[Route("/hook/{secret}", hook, methods=["POST"])]))
    return server, await server.start("127.0.0.1", 0)


async def test_events_role_one_webhook_per_point_reused_moved_and_dropped(
        vendor, sim, customer, draft, pick, future_day):
    from bot.vendors import EventsRole, InboundCall

    assert isinstance(vendor, EventsRole)
    calls: list[dict] = []
    server, url = await _serve_hook(calls)
    try:
        first = await vendor.subscribe("site_bookings", ["UFROM001"], f"{url}/hook/a",
                                       vendor.longest_subscription)
        again = await vendor.subscribe("site_bookings", ["UFROM001"], f"{url}/hook/a",
                                       vendor.longest_subscription)
        assert again.external_id == first.external_id
        assert sim.statuses("POST", "/UFROM001/webhooks") == [201]  # reused, not created twice
        moved = await vendor.subscribe("site_bookings", ["UFROM001"], f"{url}/hook/b",
                                       vendor.longest_subscription)
        assert moved.external_id == first.external_id
        assert [h["url"] for h in sim.webhooks_for("UFROM001")] == [f"{url}/hook/b"]

        who = customer()
        site, service, slot = await pick(vendor, who, future_day(), "1100")
        booking = await vendor.book(who, draft(site, service, slot))
        assert sim.call_reservation(booking.external_id) == 1
        await _until(lambda: len(calls) == 1)
        assert calls[0]["pointID"] == "UFROM001"
        [seen] = await vendor.list_bookings(who)
        assert seen.called and seen.state == "confirmed"
        sim.cancel_reservation(booking.external_id)
        await _until(lambda: len(calls) == 2)
        [seen] = await vendor.list_bookings(who)
        assert seen.state == "cancelled"

        now = first.expires_at
        reread = vendor.parse_call(moved, InboundCall(payload=calls[0], received_at=now))
        assert [(r.topic, r.ids) for r in reread] == [("site_bookings", ("UFROM001",))]
        forged = vendor.parse_call(moved, InboundCall(payload={"pointID": "UFMIL001"},
                                                      received_at=now))
        assert forged[0].ids == ("UFROM001",)  # only what the subscription watches
        assert vendor.parse_call(moved, InboundCall(payload={}, received_at=now))[0].ids == (
            "UFROM001",)

        await vendor.drop(moved)
        assert sim.webhooks_for("UFROM001") == []
        await vendor.drop(moved)  # dropping twice is not an error
    finally:
        await server.stop()


async def _until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
