"""The customer details bookingtime asks for, as the chat shows and sends them.

Which fields a template requires comes from the template; here is how each
is labelled in the customer's language, what example it shows (by the
organization's country), which key of bookingtime's ``customer`` object it
fills, and how a one-line address becomes bookingtime's ADDRESS object.
"""

from __future__ import annotations

import re

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
