"""bookingtime's organizations as sites, their templates as services, and their timezones.

* sites are the configured organizations, one each; the site id is the
  organization id. The name, address and coordinates come from the
  organization's template address (the first template whose ``location`` is
  ``ORGANIZATION_ADDRESS``, else the first with an address); the timezone is
  the ``timeZone`` bookingtime reports on the organization's slot lists
  (learned once with a ``bookingSlot/earliest`` call), else guessed from the
  address country, else Europe/Berlin;
* services are the organization's booking templates: the name and
  description in the customer's language from ``nameI18nList``, the duration,
  and the gross price unless ``showPrice`` is false.

Templates are cached for :data:`STRUCTURE_TTL` seconds per organization and
locale, with one fetch shared by concurrent callers; a guessed timezone is
retried after as long, a reported one is kept.
"""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from bot.vendors._cache import TtlCache
from bot.vendors._zones import country_zone, first_zone, zone_or_none
from bot.vendors.bookingtime.client import VENDOR, BookingtimeClient
from bot.vendors.bookingtime.config import Settings
from bot.vendors.bookingtime.models import Address, BookingTemplate, SlotRange
from bot.vendors.errors import InputRejected, NotFound, VendorError
from bot.vendors.roles.base import Customer, Money
from bot.vendors.roles.catalogue import Service, Site

log = logging.getLogger(__name__)

STRUCTURE_TTL = 60.0  # seconds templates (and a guessed timezone) are reused
FALLBACK_ZONE = "Europe/Berlin"


def language_of(customer: Customer) -> str:
    return (customer.language or "en").replace("_", "-").split("-")[0].lower()


def site_address(templates: list[BookingTemplate]) -> Address | None:
    with_address = [t for t in templates if t.address is not None]
    own = [t for t in with_address if (t.location or "").upper() == "ORGANIZATION_ADDRESS"]
    chosen = (own or with_address or [None])[0]
    return chosen.address if chosen else None


def to_service(org: str, template: BookingTemplate, language: str) -> Service:
    price = template.shown_price()
    return Service(
        id=template.id,
        site_id=org,
        name=template.localized_name(language),
        description=template.localized_description(language),
        duration_minutes=template.duration if template.duration else None,
        price=Money(amount=price[0], currency=price[1]) if price else None,
    )


class Catalogue:
    """The configured organizations' structure, cached, as the adapter needs it."""

    def __init__(self, settings: Settings, client: BookingtimeClient) -> None:
        self.settings = settings
        self.client = client
        self._templates: TtlCache[tuple[str, str], list[BookingTemplate]] = TtlCache(
            STRUCTURE_TTL)
        self._guessed: TtlCache[str, str] = TtlCache(STRUCTURE_TTL)
        self._zones: dict[str, str] = {}  # organization -> IANA zone reported by bookingtime

    def organization(self, site_id: str) -> str:
        """``site_id`` when it is a configured organization; NotFound otherwise."""
        if site_id not in self.settings.organization_ids:
            raise NotFound(f"site {site_id}", vendor=VENDOR)
        return site_id

    def locale(self, customer: Customer) -> str:
        return self.client.locale_for(customer.language)

    async def templates(self, customer: Customer, org: str) -> list[BookingTemplate]:
        locale = self.locale(customer)
        return await self._templates.get((org, locale), lambda: self.client.templates(org, locale))

    async def template(self, customer: Customer, org: str, template_id: str) -> BookingTemplate:
        for template in await self.templates(customer, org):
            if template.id == template_id:
                return template
        raise NotFound(f"service {template_id}", vendor=VENDOR)

    async def template_or_none(self, customer: Customer, org: str,
                               template_id: str | None) -> BookingTemplate | None:
        if not template_id:
            return None
        try:
            return await self.template(customer, org, template_id)
        except NotFound:
            return None  # the template was removed since; the appointment stays

    def learn_zone(self, org: str, slots: SlotRange) -> None:
        """Keep the zone a slot list reports, when it is a real one."""
        if slots.time_zone and zone_or_none(slots.time_zone) is not None:
            self._zones[org] = slots.time_zone

    async def zone(self, customer: Customer, org: str) -> ZoneInfo:
        known = zone_or_none(self._zones.get(org))
        if known is not None:
            return known

        async def learn() -> str:
            templates = await self.templates(customer, org)
            if templates:
                try:
                    earliest = await self.client.earliest_slot(
                        org, self.locale(customer), templates[0].id)
                except (NotFound, InputRejected):
                    earliest = SlotRange()
                self.learn_zone(org, earliest)
            address = site_address(templates)
            guess = country_zone(address.country if address else None)
            return self._zones.get(org) or guess or FALLBACK_ZONE

        guessed = await self._guessed.get(org, learn)
        return first_zone(self._zones.get(org), guessed, default=FALLBACK_ZONE)

    async def site(self, customer: Customer, org: str) -> Site:
        templates = await self.templates(customer, org)
        zone = await self.zone(customer, org)
        address = site_address(templates)
        geo = address.geo_coordinates if address else None
        return Site(
            id=org,
            name=(address.name if address and address.name else f"bookingtime {org}"),
            timezone=zone.key,
            address=address.line() if address else None,
            city=(address.city or None) if address else None,
            latitude=geo.latitude if geo else None,
            longitude=geo.longitude if geo else None,
        )

    async def sites(self, customer: Customer) -> list[Site]:
        """Every organization that answers; an error only when none does."""
        results = await asyncio.gather(
            *(self.site(customer, org) for org in self.settings.organization_ids),
            return_exceptions=True)
        sites = [r for r in results if isinstance(r, Site)]
        for org, result in zip(self.settings.organization_ids, results, strict=True):
            if isinstance(result, VendorError) and sites:
                log.warning("vendor=%s organization=%s skipped: %r", VENDOR, org, result)
            elif isinstance(result, BaseException):
                raise result
        return sites
