"""What the contact step accepts: a name a desk calls out, a phone or an e-mail.

Typed answers, one-tap suggestions and a linked profile's values all pass
the same checks here, so a value the bot offers is one it would accept typed.
"""

from __future__ import annotations

import re

from bot.vendors import ContactMode, Profile

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[0-9][0-9 .()-]{5,20}[0-9]")
NAME_MAX = 40  # a name a desk calls out
CONTACT_MAX = 254  # an e-mail address (RFC 5321); phone numbers are bounded by PHONE


def contact_limit(modes: list[ContactMode]) -> int:
    """The longest answer taken at the contact step, told to whoever sends more."""
    return NAME_MAX if modes and modes[0] == "name" else CONTACT_MAX


def read_contact(text: str, modes: list[ContactMode]) -> tuple[ContactMode, str] | None:
    """Which mode a typed answer is, among those offered; None when it fits none."""
    value = " ".join(text.split())
    if not value:
        return None
    if len(value) > contact_limit(modes):
        return None
    if modes and modes[0] == "name":
        return ("name", value)
    if "email" in modes and EMAIL.fullmatch(value):
        return ("email", value.lower())
    if "phone" in modes and PHONE.fullmatch(value):
        return ("phone", normalise_phone(value))
    return None


def normalise_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return ("+" if value.strip().startswith("+") else "") + digits


def from_profile(profile: Profile | None) -> dict[ContactMode, str]:
    """A linked profile's contact values, each only when the step would accept it typed."""
    if profile is None:
        return {}
    found: dict[ContactMode, str] = {}
    candidates: list[tuple[ContactMode, str | None]] = [
        ("name", profile.full_name), ("phone", profile.phone), ("email", profile.email)]
    for mode, value in candidates:
        read = read_contact(value or "", [mode])
        if read is not None:
            found[mode] = read[1]
    return found

