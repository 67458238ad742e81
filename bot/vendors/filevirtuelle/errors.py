"""Every documented FileVirtuelle error name, translated in one table.

Errors come as ``{"code": <status>, "error": <name>, "message": <text>}``.
Configuration errors (our key, signature, clock, account, rights, ids from
the settings) are logged loudly the first time each name is seen and
quietly after that: an operator must fix them, users can only try later.
Refused contact details become :class:`InputRejected` carrying the vendor's
own message and the :class:`~bot.vendors.JoinRequest` field at fault.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from bot.vendors.errors import (
    AuthFailed,
    InputRejected,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    VendorError,
)

log = logging.getLogger("bot.vendors.filevirtuelle")

VENDOR = "filevirtuelle"


@dataclass(frozen=True)
class Rule:
    kind: type[VendorError]
    config: bool = False  # an operator must act: log loudly once
    field: str | None = None  # the JoinRequest field, for InputRejected


ERRORS: dict[str, Rule] = {
    # authentication and account: our configuration or our clock
    "NoAuthorizationHeaderError": Rule(AuthFailed, config=True),
    "NoTwoPartAuthorizationError": Rule(AuthFailed, config=True),
    "InvalidAPIKey": Rule(AuthFailed, config=True),
    "InvalidSignature": Rule(AuthFailed, config=True),
    "InvalidTimestamp": Rule(ServiceUnavailable, config=True),
    "AccountIsLocked": Rule(AuthFailed, config=True),
    "InvalidRoute": Rule(AuthFailed, config=True),
    "RateLimitExceeded": Rule(RateLimited),
    # entities that no longer exist (or configured ids that never did)
    "InvalidOrganization": Rule(NotFound, config=True),
    "InvalidSuborganization": Rule(NotFound),
    "InvalidPrequalification": Rule(NotFound),
    "InvalidDevice": Rule(NotFound, config=True),
    "InvalidDesk": Rule(NotFound),
    "InvalidEntity": Rule(NotFound),
    "InvalidDeviceType": Rule(ServiceUnavailable, config=True),
    # what the person typed or chose
    "InvalidLang": Rule(InputRejected, field="language"),
    "InvalidIso8601": Rule(InputRejected, field="appointment"),
    "InvalidContactInformation": Rule(InputRejected, field="contact_value"),
    "ContactModeUnavailable": Rule(InputRejected, field="contact_mode"),
    "FairUseExceeded": Rule(InputRejected, config=True, field="contact_mode"),
}


def seconds_to_next_minute(now: float) -> float:
    """The documented wait after a 429: until the next minute starts."""
    return 60.0 - (now % 60.0)


class ErrorTranslator:
    """Turns an error response into the interface's exception; remembers what it logged."""

    def __init__(self) -> None:
        self._reported: set[str] = set()

    def translate(self, response: httpx.Response, *, now: float) -> VendorError | None:
        """The exception for a documented error name; None for anything else.

        ``now`` (Unix seconds) dates a 429, whose ``retry_after`` is the wait
        until the next minute.
        """
        name, message = _read(response)
        rule = ERRORS.get(name or "")
        if rule is None or name is None:
            log.warning("filevirtuelle: undocumented error HTTP %d %s: %s",
                        response.status_code, name or "-", message)
            return None
        if rule.config:
            self._report(name, message)
        text = message or name
        if rule.kind is RateLimited:
            return RateLimited(text, vendor=VENDOR, retry_after=seconds_to_next_minute(now))
        if rule.kind is InputRejected:
            return InputRejected(text, field=rule.field, vendor=VENDOR)
        return rule.kind(f"{name}: {text}", vendor=VENDOR)

    def _report(self, name: str, message: str) -> None:
        if name in self._reported:
            log.debug("filevirtuelle: %s again", name)
            return
        self._reported.add(name)
        log.error("filevirtuelle configuration problem %s: %s (check the FILEVIRTUELLE_* "
                  "settings, the API rights and the server clock)", name, message)


def _read(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body = response.json()
    except ValueError:
        return None, ""
    if not isinstance(body, dict):
        return None, ""
    name, message = body.get("error"), body.get("message")
    return (name if isinstance(name, str) else None,
            message if isinstance(message, str) else "")

