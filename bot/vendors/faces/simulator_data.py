"""The simulator's world: one registered client, test travellers, companies."""

from __future__ import annotations

from dataclasses import dataclass

CLIENT_ID = "booking-bot-demo"
CLIENT_SECRET = "faces-demo-secret-7f3b"
AGENCY_ID = "52b166c5-4990-49bb-b1f1-d3aa38169175"
APP_NAME = "Booking bot (demo)"

USER_SCOPES = frozenset({"openid", "profile", "email", "agencyid",
                         "api.profilesondemand.read", "api.profilesondemand.write"})
CLIENT_SCOPES = ("api.profilesondemand.read", "api.profilesondemand.write")
READ, WRITE = CLIENT_SCOPES


@dataclass(frozen=True)
class Traveller:
    login: str
    uuid: str
    firstname: str | None
    name: str | None
    displayname: str
    phone: str | None
    email: str | None

    def profile_claim(self) -> dict[str, str]:
        values = {"firstname": self.firstname, "name": self.name,
                  "displayname": self.displayname, "phone": self.phone}
        return {k: v for k, v in values.items() if v}


TRAVELLERS = {
    t.login: t for t in (
        Traveller("remo", "3d9205ca-f264-4ad8-b1ac-e645557eaa99", "Remo", "Räber",
                  "Herr Remo Räber", "+41441234567", "remo.test@umbrella.ch"),
        Traveller("lea", "a0c7e0b4-52f1-4f0e-9a57-55f4a7c1e2d3", "Léa", "Dubois",
                  "Mme Léa Dubois", None, "lea.dubois@example.ch"),
    )
}


def companies() -> dict[str, dict[str, object]]:
    """Fresh company profiles as ``GET company/<uuid>`` reports them."""
    base = [
        ("b9321d7e-9d72-4e80-ac49-d3aa38169175", "00042", "ACME Inc.", "ACME",
         ("Hardturmstrasse 161", "8005", "Zürich", "CH", "+41 44 555 01 00", "travel@acme.example")),
        ("dba95fe6-873c-4499-be0c-d3aa38169175", "00001", "Demo GmbH", "DEMO-1",
         ("Binzstrasse 33", "8620", "Wetzikon", "CH", None, None)),
    ]
    for n, town in enumerate(("Basel", "Bern", "Genève", "Lugano", "Luzern"), start=1):
        base.append((f"0acme{n:03d}-0000-4000-8000-d3aa38169175", f"0100{n}",
                     f"Acme {town} AG", f"ACME-{town[:3].upper()}",
                     (f"Bahnhofstrasse {n}", f"{4000 + n}", town, "CH", None, None)))
    result: dict[str, dict[str, object]] = {}
    for uuid, number, name, short, (street, zip_code, place, country, phone, email) in base:
        result[uuid] = {
            "uuid": uuid, "externalNr": number, "name": name, "shortname": short,
            "data": {
                "contact": {"street": street, "street2": None, "zipCode": zip_code,
                            "place": place, "countryCode": country, "phone": phone,
                            "fax": None, "email": email},
                "memberships": {"airline": [], "hotel": [], "rentalCar": []},
                "genericValues": {},
                "agency": {"uuid": AGENCY_ID, "name": "Umbrella Demo Travel"},
            },
        }
    return result


SECTION_KEYS = {"AGENCY_INFO": "agency", "AGNCY_INFO": "agency", "CONTACT_DATA": "contact",
                "MEMBERSHIPS": "memberships", "GENERIC_VALUES": "genericValues"}
