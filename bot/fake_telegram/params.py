"""Turning an HTTP request into Bot API parameters, whichever of the four encodings it uses.

python-telegram-bot sends ``application/x-www-form-urlencoded`` where every non-string value
is a JSON string (``chat_id=42``, ``reply_markup={"inline_keyboard":...}``) and switches to
``multipart/form-data`` when a file is attached, so accessors accept both native JSON values
and their string forms.  Multipart is parsed here with the standard library so the fake does
not depend on ``python-multipart``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from .errors import bad_request

_MISSING = object()
_DISPOSITION_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))')


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part, kept byte-exact so tests can compare what the bot uploaded."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to request parameters with Telegram-style errors for bad input."""

    def __init__(
        self, values: dict[str, Any] | None = None, files: dict[str, UploadedFile] | None = None
    ) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.files: dict[str, UploadedFile] = dict(files or {})

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.files

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, *, required: bool = False) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes", "on")
        return bool(value)

    def json(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return default
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def chat_ref(self, name: str = "chat_id") -> int | str:
        """A chat id, or an ``@username`` left for the caller to resolve."""
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("@"):
            return value
        chat_id = self.integer(name, required=True)
        assert chat_id is not None
        return chat_id


def _parse_disposition(header: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, quoted, bare in _DISPOSITION_PARAM.findall(header):
        if quoted:
            value = re.sub(r"\\(.)", r"\1", quoted)
            # httpx (like browsers) percent-encodes just these characters in quoted params.
            for encoded, char in (("%22", '"'), ("%0D", "\r"), ("%0A", "\n")):
                value = value.replace(encoded, char)
        else:
            value = bare
        params[key.lower()] = value
    return params


def parse_multipart(
    body: bytes, boundary: str
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a ``multipart/form-data`` body into plain fields and file parts."""
    values: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(delimiter)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            raise bad_request("can't parse multipart/form-data body")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = _parse_disposition(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name is None:
            continue
        if "filename" in disposition:
            files[name] = UploadedFile(
                field=name,
                filename=disposition["filename"] or None,
                content_type=headers.get("content-type"),
                data=content,
            )
        else:
            values[name] = content.decode("utf-8", "replace")
    return values, files


def _boundary(content_type: str) -> str:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise bad_request("multipart/form-data without boundary")
    return match.group(1)


async def parse_request(request: Request) -> Params:
    """Merge query-string and body parameters; the body wins like on Telegram."""
    values: dict[str, Any] = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    content_type = request.headers.get("content-type", "").lower()
    body = await request.body()
    if body:
        if content_type.startswith("application/json"):
            try:
                decoded = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if not isinstance(decoded, dict):
                raise bad_request("JSON body must be an object")
            values.update(decoded)
        elif content_type.startswith("multipart/form-data"):
            fields, files = parse_multipart(body, _boundary(request.headers["content-type"]))
            values.update(fields)
        else:
            values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return Params(values, files)
