"""Umbrella Faces playing the accounts role.

The ID token is the profile: its claims (``openid``, ``profile.*``,
``email``, ``agencyid``) become a :class:`~bot.vendors.Profile`, kept
encrypted with the tokens and renewed with every refresh. :meth:`profile`
asks Faces whether the link still holds each time a flow wants to prefill
(one call, refreshing an expired access token once on the shared token
machinery); when Faces refuses the refresh the account is unlinked here and
:class:`AuthFailed` tells the caller to say so. When Faces is merely
unreachable the kept profile still serves: a prefill is an offer the user
confirms, not a booking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import SecretStr

from bot.vendors._tokens import utcnow
from bot.vendors.errors import AuthFailed, ServiceUnavailable
from bot.vendors.faces import oauth
from bot.vendors.faces.client import FacesClient
from bot.vendors.faces.config import Settings
from bot.vendors.faces.models import CompanyProfile, IdClaims
from bot.vendors.registry import VendorDeps
from bot.vendors.roles.accounts import AccountsRole, Company, CompanyPage, LinkRequest, Profile
from bot.vendors.roles.base import Capability, Customer

log = logging.getLogger("bot.vendors.faces")

LINK_LIFETIME = timedelta(minutes=10)
PAGE_SIZE = 5


class FacesVendor(AccountsRole):
    name: ClassVar[str] = "faces"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.COMPANIES})

    def __init__(self, settings: Settings, deps: VendorDeps, *,
                 now: Callable[[], datetime] = utcnow, **client_options: Any) -> None:
        self.settings = settings
        self._now = now
        self.client = FacesClient(settings, deps.tokens, transport=deps.transport, now=now,
                                  **client_options)

    @property
    def title(self) -> str:
        return "Umbrella Faces"

    async def link_request(self, customer: Customer, redirect_uri: str) -> LinkRequest:
        state = oauth.new_state()
        verifier = oauth.new_verifier() if self.settings.pkce else None
        return LinkRequest(
            url=oauth.authorize_url(self.settings, redirect_uri, state, verifier),
            state=state,
            code_verifier=SecretStr(verifier) if verifier else None,
            expires_at=self._now() + LINK_LIFETIME,
        )

    async def exchange_code(self, customer: Customer, code: str, redirect_uri: str,
                            code_verifier: str | None = None) -> Profile:
        claims = await self.client.exchange(customer.pseudonym, code, redirect_uri,
                                            code_verifier)
        return _profile(claims)

    async def refresh(self, customer: Customer) -> None:
        try:
            await self.client.refresh(customer.pseudonym)
        except AuthFailed:
            await self.unlink(customer)
            raise

    async def profile(self, customer: Customer) -> Profile | None:
        owner = customer.pseudonym
        claims = await self.client.claims(owner)
        if claims is None:
            return None
        try:
            await self.client.check(owner, claims.openid)
        except AuthFailed:
            log.info("vendor=faces link of %s refused: unlinked", owner)
            await self.unlink(customer)
            raise
        except ServiceUnavailable as exc:
            log.warning("vendor=faces link not checked (%s): kept profile used", exc)
            return _profile(claims)
        return _profile(await self.client.claims(owner) or claims)

    async def unlink(self, customer: Customer) -> None:
        await self.client.unlink(customer.pseudonym)

    async def find_companies(self, query: str, page: int = 0) -> CompanyPage:
        found = await self.client.search_companies(query, page=page, page_size=PAGE_SIZE)
        return CompanyPage(companies=tuple(_company(c) for c in found.results),
                           page=page, more=found.more_results)

    async def aclose(self) -> None:
        await self.client.aclose()


def _profile(claims: IdClaims) -> Profile:
    person = claims.profile
    return Profile(
        subject=claims.openid,
        display_name=person.displayname if person else None,
        first_name=person.firstname if person else None,
        last_name=person.name if person else None,
        email=claims.email,
        phone=person.phone if person else None,
        organization_id=claims.agencyid,
    )


def _company(company: CompanyProfile) -> Company:
    contact = company.contact
    return Company(
        id=company.uuid, name=company.name, short_name=company.shortname,
        address=contact.one_line() if contact else None,
        phone=contact.phone if contact else None,
        email=contact.email if contact else None,
    )
