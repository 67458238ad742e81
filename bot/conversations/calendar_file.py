"""An .ics file for a booking, so it lands in the user's calendar.

Written by hand (RFC 5545 needs only a handful of lines for one event);
times are UTC so every calendar shows them right wherever the phone is.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

DEFAULT_LENGTH = timedelta(minutes=30)


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,").replace("\n", r"\n")
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > 74:
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def ics_event(
    *,
    uid: str,
    summary: str,
    start: datetime,
    end: datetime | None,
    location: str | None = None,
    description: str | None = None,
    now: datetime | None = None,
    sequence: int = 0,
) -> bytes:
    """One event; ``sequence`` counts revisions, so a moved event replaces the old one."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//booking-bot//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{_escape(uid)}",
        f"DTSTAMP:{_utc(now or datetime.now(timezone.utc))}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(end or start + DEFAULT_LENGTH)}",
        f"SUMMARY:{_escape(summary)}",
    ]
    if sequence:
        lines.append(f"SEQUENCE:{sequence:d}")
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
