"""Faces as the accounts role: link, exchange, profile, refresh, unlink, companies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.vendors import AccountsRole, AuthFailed, Capability, Customer, ServiceUnavailable
from bot.vendors.faces.adapter import FacesVendor
from bot.vendors.registry import VendorDeps, adapter_class

from .conftest import REDIRECT


@pytest.fixture
async def vendor(sim, store, settings_for):  # type: ignore[no-untyped-def]
    made = FacesVendor(settings_for(sim), VendorDeps(tokens=store))
    yield made
    await made.aclose()


@pytest.fixture
def anna() -> Customer:
    return Customer(telegram_id=901, pseudonym="psd-anna")


async def linked(vendor, anna, consent):  # type: ignore[no-untyped-def]
    request = await vendor.link_request(anna, REDIRECT)
    back = await consent(request.url)
    assert back["state"] == request.state
    verifier = request.code_verifier.get_secret_value() if request.code_verifier else None
    return await vendor.exchange_code(anna, back["code"], REDIRECT, verifier)


def test_registered_as_an_accounts_vendor_with_a_company_directory():
    cls = adapter_class("faces")
    assert issubclass(cls, AccountsRole) and Capability.COMPANIES in cls.capabilities


async def test_link_request_is_fresh_random_and_short_lived(vendor, anna):
    first = await vendor.link_request(anna, REDIRECT)
    second = await vendor.link_request(anna, REDIRECT)
    assert first.state != second.state and first.code_verifier and second.code_verifier
    left = first.expires_at - datetime.now(timezone.utc)
    assert timedelta(minutes=9) < left <= timedelta(minutes=10)
    assert parse_qs(urlsplit(first.url).query)["state"] == [first.state]


async def test_linked_profile_prefills_name_email_phone(vendor, anna, consent):
    profile = await linked(vendor, anna, consent)
    assert profile.display_name == "Herr Remo Räber" and profile.full_name == "Remo Räber"
    assert profile.prefill() == {"first_name": "Remo", "last_name": "Räber",
                                 "email": "remo.test@umbrella.ch", "phone": "+41441234567"}
    assert await vendor.profile(anna) == profile


async def test_nothing_linked_is_no_profile(vendor, anna, sim):
    assert await vendor.profile(anna) is None
    assert sim.log == []


async def test_a_revoked_link_unlinks_and_says_so(vendor, anna, sim, store, consent):
    await linked(vendor, anna, consent)
    sim.revoke()
    with pytest.raises(AuthFailed):
        await vendor.profile(anna)
    assert await store.load("faces", anna.pseudonym, "refresh") is None
    assert await vendor.profile(anna) is None


async def test_faces_down_still_offers_the_kept_profile(vendor, anna, sim, consent):
    profile = await linked(vendor, anna, consent)
    await sim.stop()
    assert await vendor.profile(anna) == profile


async def test_unlink_then_no_profile(vendor, anna, consent):
    await linked(vendor, anna, consent)
    await vendor.unlink(anna)
    assert await vendor.profile(anna) is None


async def test_companies_page_by_page(vendor):
    first = await vendor.find_companies("acme")
    assert first.more and len(first.companies) == 5 and first.page == 0
    acme = next(c for c in first.companies if c.name == "ACME Inc.")
    assert acme.address == "Hardturmstrasse 161, 8005 Zürich, CH"
    last = await vendor.find_companies("acme", page=1)
    assert not last.more and len(last.companies) == 1


async def test_refused_refresh_unlinks(vendor, anna, sim, consent):
    await linked(vendor, anna, consent)
    sim.revoke()
    with pytest.raises(AuthFailed):
        await vendor.refresh(anna)
    assert await vendor.profile(anna) is None


async def test_down_without_a_link_is_still_no_profile(vendor, anna, sim):
    await sim.stop()
    assert await vendor.profile(anna) is None
    with pytest.raises(ServiceUnavailable):
        await vendor.find_companies("acme")
