"""Seed data of the bookingtime simulator and the JSON it renders.

Two organizations of one module (client id): a hair salon in Berlin (EUR)
and a practice in Zurich (CHF). Their templates differ in what a customer must
give (e-mail, mobile, address), in lead time and in how many days ahead they
can be booked, so every template rule shows up in tests and the demo. Slots
start every ``interval`` minutes within weekday opening hours (Zurich also on
Saturday mornings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

CLIENT_ID = "23b7c0ffee5e1ec7ab1e0123456789ab"
LOCALES = ("de", "en", "fr", "it")


@dataclass(frozen=True)
class SimTemplate:
    id: str
    name: str  # German, the organizations' own language
    names: dict[str, str]  # other locales
    description: str
    duration: int  # minutes
    interval: int  # minutes between slot starts
    price: str
    currency: str
    tax_rate: float
    show_price: bool = True
    day_earliest: int = 0
    day_latest: int = 14
    lead_time: int = 0  # minutes
    email_required: bool = False
    mobile_required: bool = False
    address_required: bool = False
    appointment_address_required: bool = False

    def to_json(self, address: dict[str, Any]) -> dict[str, Any]:
        price = float(self.price)
        return {
            "class": "BOOKING_TEMPLATE",
            "id": self.id,
            "customId": "",
            "name": self.name,
            "nameI18nList": [{"class": "I18N", "locale": locale, "content": text}
                             for locale, text in self.names.items()],
            "location": "ORGANIZATION_ADDRESS",
            "image": "",
            "duration": self.duration,
            "leadTime": 0,
            "followupTime": 0,
            "price": {"class": "PRICE", "priceGross": price, "taxRate": self.tax_rate,
                      "currency": self.currency},
            "showPrice": self.show_price,
            "priceGross": price,
            "currency": self.currency,
            "taxRate": self.tax_rate,
            "description": self.description,
            "descriptionI18nList": [],
            "appointmentAddressRequired": self.appointment_address_required,
            "customerAddressRequired": self.address_required,
            "customerEmailRequired": self.email_required,
            "customerMobileRequired": self.mobile_required,
            "additionalCustomerCountMax": 0,
            "bookingDayEarliest": self.day_earliest,
            "bookingDayLatest": self.day_latest,
            "bookingLeadTime": self.lead_time,
            "address": address,
            "bookingStepList": [],
            "emailTemplateList": [],
            "smsTemplateList": [],
            "extraFieldList": [],
            "additionalData": None,
        }


@dataclass(frozen=True)
class SimOrganization:
    id: str
    name: str
    timezone: str
    street: str
    zip: str
    city: str
    country: str
    latitude: float
    longitude: float
    hours: dict[int, tuple[time, time]]  # ISO weekday -> opening, closing
    templates: tuple[SimTemplate, ...] = field(default=())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def template(self, template_id: str) -> SimTemplate | None:
        return next((t for t in self.templates if t.id == template_id), None)

    def address(self) -> dict[str, Any]:
        return {
            "class": "ADDRESS", "name": self.name, "extra": "", "street": self.street,
            "zip": self.zip, "city": self.city, "country": self.country,
            "geoCoordinates": {"class": "GEO_COORDINATES", "latitude": self.latitude,
                               "longitude": self.longitude},
        }

    def starts(self, day: date, template: SimTemplate) -> list[datetime]:
        """Every slot start of ``template`` on ``day`` that ends by closing time."""
        hours = self.hours.get(day.isoweekday())
        if hours is None:
            return []
        at = datetime.combine(day, hours[0], tzinfo=self.zone)
        closing = datetime.combine(day, hours[1], tzinfo=self.zone)
        starts = []
        while at + timedelta(minutes=template.duration) <= closing:
            starts.append(at)
            at += timedelta(minutes=template.interval)
        return starts


HAIRCUT = SimTemplate(
    id="fc01haircut00000000000000000001", name="Haarschnitt",
    names={"en": "Haircut", "fr": "Coupe de cheveux", "it": "Taglio di capelli"},
    description="Waschen, Schneiden, Föhnen", duration=30, interval=30, price="35.00",
    currency="EUR", tax_rate=19, day_earliest=0, day_latest=14, lead_time=120,
    email_required=True,
)
COLOURING = SimTemplate(
    id="fc02colouring000000000000000002", name="Färben",
    names={"en": "Hair colouring", "fr": "Coloration", "it": "Colorazione"},
    description="Färben inklusive Beratung", duration=60, interval=60, price="89.90",
    currency="EUR", tax_rate=19, day_earliest=1, day_latest=28, lead_time=240,
    mobile_required=True,
)
CONSULTATION = SimTemplate(
    id="fc03consultation0000000000000003", name="Typberatung",
    names={"en": "Style consultation", "fr": "Conseil en style"},
    description="Kostenlose Beratung", duration=30, interval=30, price="0.00",
    currency="EUR", tax_rate=19, show_price=False, day_earliest=0, day_latest=7, lead_time=60,
)
MASSAGE = SimTemplate(
    id="fc04massage00000000000000000004", name="Massage",
    names={"en": "Massage", "fr": "Massage", "it": "Massaggio"},
    description="Klassische Massage", duration=60, interval=60, price="120.00",
    currency="CHF", tax_rate=8.1, day_earliest=0, day_latest=21, lead_time=180,
    email_required=True, mobile_required=True,
)
PHYSIO = SimTemplate(
    id="fc05physio000000000000000000005", name="Physiotherapie",
    names={"en": "Physiotherapy", "fr": "Physiothérapie", "it": "Fisioterapia"},
    description="Behandlung nach ärztlicher Verordnung", duration=45, interval=45,
    price="95.50", currency="CHF", tax_rate=8.1, day_earliest=0, day_latest=30,
    lead_time=120, address_required=True,
)

_WEEKDAYS_9_17 = {day: (time(9), time(17)) for day in range(1, 6)}
_WEEKDAYS_8_16_SAT = {day: (time(8), time(16)) for day in range(1, 6)} | {6: (time(9), time(12))}

BERLIN = SimOrganization(
    id="f6berlin0salon000000000000000001", name="Salon Mitte", timezone="Europe/Berlin",
    street="Friedrichstraße 100", zip="10117", city="Berlin", country="DE",
    latitude=52.520008, longitude=13.388228, hours=_WEEKDAYS_9_17,
    templates=(HAIRCUT, COLOURING, CONSULTATION),
)
ZURICH = SimOrganization(
    id="f6zurich0praxis00000000000000002", name="Praxis am See", timezone="Europe/Zurich",
    street="Seefeldstrasse 12", zip="8008", city="Zürich", country="CH",
    latitude=47.360142, longitude=8.552031, hours=_WEEKDAYS_8_16_SAT,
    templates=(MASSAGE, PHYSIO),
)
ORGANIZATIONS = {org.id: org for org in (BERLIN, ZURICH)}

# the vendor's texts by code, in German and English (other locales get English)
TEXTS: dict[str, tuple[str, str]] = {
    "unauthorized": ("Nicht authentifiziert.", "Not authenticated."),
    "token_expired": ("Das Zugriffstoken ist abgelaufen.", "The access token has expired."),
    "forbidden": ("Kein Zugriff auf diese Organisation.",
                  "No access to this organization."),
    "locale_unknown": ("Unbekannte Sprache.", "Unknown locale."),
    "template_unknown": ("Die Buchungsvorlage existiert nicht.",
                         "This booking template does not exist."),
    "date_invalid": ("Ungültiges Datum.", "Invalid date."),
    "body_invalid": ("Ungültige Anfrage.", "Invalid request."),
    "slot_unknown": ("Der Buchungsslot existiert nicht.", "This booking slot does not exist."),
    "slot_taken": ("Der Buchungsslot ist nicht mehr verfügbar.",
                   "This booking slot is no longer available."),
    "slot_other_template": ("Der Buchungsslot gehört zu einer anderen Buchungsvorlage.",
                            "This booking slot belongs to another booking template."),
    "customer_required": ("Bitte geben Sie Ihre Kundendaten an.",
                          "Please enter your customer details."),
    "first_name_required": ("Bitte geben Sie Ihren Vornamen an.",
                            "Please enter your first name."),
    "last_name_required": ("Bitte geben Sie Ihren Nachnamen an.",
                           "Please enter your last name."),
    "email_required": ("Bitte geben Sie Ihre E-Mail-Adresse an.",
                       "Please enter your e-mail address."),
    "email_invalid": ("Die E-Mail-Adresse ist ungültig.", "The e-mail address is invalid."),
    "mobile_required": ("Bitte geben Sie Ihre Handynummer an.",
                        "Please enter your mobile phone number."),
    "mobile_invalid": ("Die Handynummer ist ungültig.", "The mobile phone number is invalid."),
    "address_required": ("Bitte geben Sie Ihre Adresse mit Straße und Ort an.",
                         "Please enter your address with street and city."),
    "appointment_address_required": ("Bitte geben Sie die Adresse des Termins an.",
                                     "Please enter the address of the appointment."),
    "appointment_unknown": ("Der Termin existiert nicht.", "This appointment does not exist."),
    "custom_id_invalid": ("Die customId ist ungültig.", "The customId is invalid."),
    "custom_id_taken": ("Die customId ist bereits vergeben.", "The customId is already in use."),
    "appointment_cancelled": ("Der Termin wurde bereits storniert.",
                              "This appointment has already been cancelled."),
    "booked": ("Der Termin wurde gebucht.", "The appointment has been booked."),
    "cancelled": ("Der Termin wurde storniert.", "The appointment has been cancelled."),
    "moved": ("Der Termin wurde verschoben.", "The appointment has been moved."),
}


def text(code: str, locale: str) -> str:
    german, english = TEXTS[code]
    return german if locale == "de" else english


@dataclass
class SimAppointment:
    id: str
    organization: SimOrganization
    template: SimTemplate
    start: datetime
    customer: dict[str, Any]
    appointment_address: dict[str, Any] | None = None
    custom_id: str | None = None
    status: str = "CONFIRMED"

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.template.duration)

    @property
    def key(self) -> tuple[str, str, datetime]:
        return self.organization.id, self.template.id, self.start

    def to_json(self, locale: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "class": "APPOINTMENT",
            "id": self.id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "duration": self.template.duration,
            "name": self.template.names.get(locale, self.template.name),
            "bookingTemplateId": self.template.id,
            "status": self.status,
            "customer": {"class": "CUSTOMER", **self.customer},
        }
        if self.appointment_address is not None:
            body["appointmentAddress"] = self.appointment_address
        if self.custom_id is not None:
            body["customId"] = self.custom_id
        return body
