"""Webhook management with server credentials (no receiving side yet)."""

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
