"""The catalogue role: the places a vendor serves and what it offers there.

Sites and services are what /book walks through before any date is picked.
Times are expressed in the site's timezone; a site's ``timezone`` is an IANA
name so the chat can format times where the site is.
"""

from __future__ import annotations

import abc

from bot.vendors.errors import NotFound
from bot.vendors.roles.base import Customer, RoleModel, Money, Vendor


class Site(RoleModel):
    """A place where a service is delivered (a branch, an office, a store)."""

    id: str
    name: str
    timezone: str
    address: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class Service(RoleModel):
    id: str
    site_id: str
    name: str
    description: str | None = None
    duration_minutes: int | None = None
    price: Money | None = None


class CatalogueRole(Vendor):
    """A vendor that lists sites and the services offered at each.

    Every call is made for a customer, because some vendors answer each user
    with their own token (and may show them different things).
    """

    async def business_name(self, customer: Customer) -> str:
        """The name to show for this business; may need a call to learn it."""
        return self.title

    @abc.abstractmethod
    async def list_sites(self, customer: Customer) -> list[Site]: ...

    async def get_site(self, customer: Customer, site_id: str) -> Site:
        for site in await self.list_sites(customer):
            if site.id == site_id:
                return site
        raise NotFound(f"site {site_id}", vendor=self.name)

    @abc.abstractmethod
    async def list_services(self, customer: Customer, site_id: str) -> list[Service]: ...
