"""The demo's browser: a button that opens a web page is followed, not skipped.

/link answers with a URL button; in the demo nobody is there to open it, so
this browser does what the person would: it opens the URL, follows the
redirects (the bot's start route, then Umbrella Faces), authorizes on the
simulator's consent page as the first test traveller it offers, follows the
redirect back to the bot's route and shows the page it ends on. Each step is
printed, so a terminal user sees the whole OAuth round trip, and the chat's
"Linked as …" confirmation follows in the transcript.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import httpx

MAX_STEPS = 8
_FORM = re.compile(r'<form method="post" action="([^"]+)"', re.IGNORECASE)
_OPTION = re.compile(r'<option value="([^"]+)">([^<]*)</option>', re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def page_text(body: str, limit: int = 160) -> str:
    """A page's visible text on one line (enough to recognise it in a transcript)."""
    without_title = re.sub(r"<title>.*?</title>", " ", body, flags=re.IGNORECASE | re.DOTALL)
    text = " ".join(html.unescape(_TAG.sub(" ", without_title)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def consent_form(body: str) -> tuple[str, str, str] | None:
    """(form action, login, display name) of a consent page offering an Authorize button."""
    form, option = _FORM.search(body), _OPTION.search(body)
    if form is None or option is None or 'value="approve"' not in body:
        return None
    return html.unescape(form[1]), html.unescape(option[1]), html.unescape(option[2])


class DemoBrowser:
    """One cookie jar for the whole demo, like a person's browser."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(follow_redirects=False, timeout=15)

    async def open(self, url: str) -> list[str]:
        """Follow ``url`` to the page it ends on; the lines that tell what happened."""
        lines: list[str] = []
        method, form = "GET", None
        for _ in range(MAX_STEPS):
            lines.append(f"browser> {method} {url}")
            try:
                response = await self.http.request(method, url, data=form)
            except httpx.HTTPError as exc:
                lines.append(f"browser> failed: {exc!r}")
                return lines
            if response.is_redirect:
                url, method, form = urljoin(url, response.headers["location"]), "GET", None
                continue
            consent = consent_form(response.text) if form is None else None
            if consent is not None:
                action, login, name = consent
                lines.append(f"browser> {page_text(response.text)}")
                lines.append(f"browser> (authorizing as {name})")
                url, method, form = urljoin(url, action), "POST", {"decision": "approve", "user": login}
                continue
            lines.append(f"browser> {response.status_code}: {page_text(response.text)}")
            return lines
        lines.append("browser> too many redirects")
        return lines

    async def aclose(self) -> None:
        await self.http.aclose()
