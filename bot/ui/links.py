"""Deep links: ``t.me/<bot>?start=<payload>`` opening a booking or a queue at one place.

A business prints the link as a QR code at its door, so a payload must keep
working for as long as the place exists, fit Telegram's rule for start
parameters (at most 64 characters of ``A-Z a-z 0-9 _ -``), and be read
safely whatever a client sends after ``/start``. Vendor ids do not fit that
rule (bookingtime's alone are 32 characters, and any character may appear),
so a link names a place by a short digest of its id, which the bot matches
against the vendor's current list: a link to a place that is gone, or a
forged one, simply finds nothing.

    b_ufirst_3f9a0c12de            book at a site
    b_ufirst_3f9a0c12de_77ab01c3ff book a service at a site
    q_filevirtuelle_0b1c2d3e4f     join a store's queue
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field
from telegram import Update
from telegram.ext import filters

Kind = Literal["book", "queue"]
_CODES: dict[Kind, str] = {"book": "b", "queue": "q"}
_KINDS = {code: kind for kind, code in _CODES.items()}
_DIGEST = 10  # hex characters: 40 bits, plenty to tell a vendor's places apart
_PAYLOAD = re.compile(r"([bq])_([a-z][a-z0-9]{0,19})_([0-9a-f]{10})(?:_([0-9a-f]{10}))?")
MAX_PAYLOAD = 64  # Telegram's limit for a start parameter


def digest(identifier: str) -> str:
    """The short, stable name of a vendor id inside a link."""
    return hashlib.sha256(identifier.encode()).hexdigest()[:_DIGEST]


class StartLink(BaseModel):
    """What a deep link asks for; ``site`` and ``service`` are digests of vendor ids."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Kind
    vendor: str = Field(pattern=r"^[a-z][a-z0-9]{0,19}$")
    site: str = Field(pattern=r"^[0-9a-f]{10}$")
    service: str | None = Field(default=None, pattern=r"^[0-9a-f]{10}$")

    @classmethod
    def to(cls, kind: Kind, vendor: str, site_id: str, service_id: str | None = None) -> Self:
        return cls(kind=kind, vendor=vendor, site=digest(site_id),
                   service=digest(service_id) if service_id is not None else None)

    def encode(self) -> str:
        parts = [_CODES[self.kind], self.vendor, self.site] + ([self.service] if self.service else [])
        return "_".join(parts)

    @classmethod
    def decode(cls, payload: object) -> Self | None:
        """The link ``payload`` encodes, or None for anything else (never raises)."""
        if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD:
            return None
        match = _PAYLOAD.fullmatch(payload)
        if match is None:
            return None
        code, vendor, site, service = match.groups()
        if code == "q" and service is not None:
            return None  # a queue is joined at a store, not at a service
        return cls(kind=_KINDS[code], vendor=vendor, site=site, service=service)

    def names_site(self, site_id: str) -> bool:
        return digest(site_id) == self.site

    def names_service(self, service_id: str) -> bool:
        return self.service is not None and digest(service_id) == self.service

    def url(self, bot_username: str) -> str:
        return f"https://t.me/{bot_username}?start={self.encode()}"


def link_in(text: object) -> StartLink | None:
    """The link a ``/start <payload>`` message text carries, if it is a valid one."""
    if not isinstance(text, str) or not text.startswith("/start"):
        return None
    parts = text.split()
    if len(parts) != 2 or parts[0].split("@", 1)[0] != "/start":
        return None
    return StartLink.decode(parts[1])


def start_link(update: Update) -> StartLink | None:
    message = update.effective_message
    return link_in(message.text) if message is not None else None


class StartLinkFilter(filters.MessageFilter):
    """``/start`` with a valid payload (of one kind): the entry of the flow it opens."""

    def __init__(self, kind: Kind | None = None) -> None:
        self.kind = kind
        super().__init__(name=f"start_link({kind or 'any'})")

    def filter(self, message: object) -> bool:
        link = link_in(getattr(message, "text", None))
        return link is not None and (self.kind is None or link.kind == self.kind)


__all__ = ["MAX_PAYLOAD", "StartLink", "StartLinkFilter", "digest", "link_in", "start_link"]
