"""The customer details bookingtime asks for, as the chat shows and sends them.

Which fields a template requires comes from the template; here is how each
is labelled in the customer's language, what example it shows (by the
organization's country), which key of bookingtime's ``customer`` object it
fills, and how a one-line address becomes bookingtime's ADDRESS object.

Details are first and last name always, then e-mail, mobile phone, the
customer's address and the appointment's address as the template requires.
Addresses are asked as one line (``street, postcode city``) and sent as an
ADDRESS object.
"""

from __future__ import annotations

import re

from bot.vendors.bookingtime.models import BookingTemplate, CustomerData
from bot.vendors.roles.booking import DetailField, DetailKind

# detail id -> key of the ``customer`` object (``appointment_address`` is sent beside it)
CUSTOMER_KEYS = {
    "first_name": "firstName", "last_name": "lastName", "email": "email",
    "phone": "mobile", "address": "address", "appointment_address": "appointmentAddress",
}
DETAIL_OF = {key.lower(): detail for detail, key in CUSTOMER_KEYS.items()}

LABELS: dict[str, dict[str, str]] = {
    "en": {"first_name": "First name", "last_name": "Last name", "email": "E-mail address",
           "phone": "Mobile phone number", "address": "Your address (street, postcode city)",
           "appointment_address": "Address of the appointment (street, postcode city)"},
    "de": {"first_name": "Vorname", "last_name": "Nachname", "email": "E-Mail-Adresse",
           "phone": "Handynummer", "address": "Ihre Adresse (Straße, PLZ Ort)",
           "appointment_address": "Adresse des Termins (Straße, PLZ Ort)"},
    "fr": {"first_name": "Prénom", "last_name": "Nom", "email": "Adresse e-mail",
           "phone": "Numéro de portable", "address": "Votre adresse (rue, code postal ville)",
           "appointment_address": "Adresse du rendez-vous (rue, code postal ville)"},
    "it": {"first_name": "Nome", "last_name": "Cognome", "email": "Indirizzo e-mail",
           "phone": "Numero di cellulare", "address": "Il tuo indirizzo (via, CAP città)",
           "appointment_address": "Indirizzo dell'appuntamento (via, CAP città)"},
}
PLACEHOLDERS = {  # by the organization's country; Germany otherwise
    "DE": {"phone": "+49 151 23456789", "address": "Hauptstraße 1, 10115 Berlin"},
    "AT": {"phone": "+43 664 1234567", "address": "Hauptstraße 1, 1010 Wien"},
    "CH": {"phone": "+41 79 123 45 67", "address": "Bahnhofstrasse 1, 8001 Zürich"},
}
POSTCODE_CITY = re.compile(r"^(?:[A-Z]{1,3}-)?(?P<zip>\d{3,6})\s+(?P<city>\S.*)$", re.IGNORECASE)


def address_object(text: str, country: str | None = None) -> dict[str, str]:
    """``"Bahnhofstrasse 1, 8001 Zürich"`` as an ADDRESS (street, zip, city, country)."""
    parts = [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]
    fields = {"class": "ADDRESS", "street": text.strip()}
    if len(parts) >= 2:
        fields["street"] = ", ".join(parts[:-1])
        match = POSTCODE_CITY.match(parts[-1])
        if match:
            fields.update(zip=match["zip"], city=match["city"].strip())
        else:
            fields["city"] = parts[-1]
    if country:
        fields["country"] = country.upper()
    return fields


def detail_fields(template: BookingTemplate, language: str) -> list[DetailField]:
    """What ``template`` requires, labelled in ``language`` with a local example."""
    wanted: list[tuple[str, DetailKind]] = [("first_name", "first_name"),
                                            ("last_name", "last_name")]
    if template.customer_email_required:
        wanted.append(("email", "email"))
    if template.customer_mobile_required:
        wanted.append(("phone", "phone"))
    if template.customer_address_required:
        wanted.append(("address", "address"))
    if template.appointment_address_required:
        wanted.append(("appointment_address", "address"))
    labels = LABELS.get(language, LABELS["en"])
    country = (template.address.country if template.address else "").upper()
    examples = {"email": "name@example.com"} | PLACEHOLDERS.get(country, PLACEHOLDERS["DE"])
    return [DetailField(id=field_id, label=labels[field_id], kind=kind,
                        placeholder=examples.get(kind))
            for field_id, kind in wanted]


def customer_data(details: dict[str, str], template: BookingTemplate
                  ) -> tuple[CustomerData, dict[str, str] | None]:
    """The ``customer`` object and the appointment address to send for ``details``."""
    given = {k: v.strip() for k, v in details.items() if isinstance(v, str)}
    country = template.address.country if template.address else None
    person = CustomerData(
        first_name=given.get("first_name", ""),
        last_name=given.get("last_name", ""),
        email=given.get("email") or None,
        mobile=given.get("phone") or None,
        address=address_object(given["address"], country) if given.get("address") else None,
    )
    place = given.get("appointment_address")
    return person, address_object(place, country) if place else None
