"""Parse-mode handling: turns HTML / MarkdownV2 / Markdown into plain text plus entities.

Telegram rejects malformed markup with ``can't parse entities`` instead of showing it, which is
a common production bug (an unescaped ``.`` in MarkdownV2, a stray ``<`` in HTML).  The fake
applies the same rules so such bugs surface in tests.  Entity offsets are in UTF-16 code units
like Telegram's; byte offsets in error messages are UTF-8 offsets into the source.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import TelegramApiError, bad_request

MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_MDV2_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline",
    "strikethrough": "Strikethrough", "spoiler": "Spoiler", "text_link": "TextUrl",
}
# The tag name must follow "<" (or "</") directly, as in Telegram: "a < b" is not a tag.
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^>]*)?)/?>")
_HTML_ATTR = re.compile(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'>]+))')


def u16len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class FormattedText:
    """Text as the recipient sees it, with the entities Telegram would report."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


class _Builder:
    """Accumulates output text while tracking the UTF-16 position for entity offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[dict[str, Any]] = []

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.pos += u16len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            length = self.pos - start
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> FormattedText:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.parts), self.entities)


def _parse_error(detail: str) -> TelegramApiError:
    return bad_request(f"can't parse entities: {detail}")


def _reserved(char: str) -> str:
    return f"Character '{char}' is reserved and must be escaped with the preceding '\\'"


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def parse_html(source: str) -> FormattedText:
    out = _Builder()
    stack: list[tuple[str, str, int, dict[str, str]]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            match = re.match(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);", source[i:])
            name = match.group(1) if match else ""
            if match and (name[0] == "#" or name in ("lt", "gt", "amp", "quot")):
                out.emit(html.unescape(match.group(0)))
                i += len(match.group(0))
            else:
                out.emit(char)
                i += 1
            continue
        if char != "<":
            out.emit(char)
            i += 1
            continue
        end = source.find(">", i)
        if end == -1:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
        tag = _HTML_TAG.match(source, i, end + 1)
        closing, name, rest = (tag.group(1), tag.group(2).lower(), tag.group(3)) if tag else (
            "", "", "")
        if closing:
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
            if stack[-1][0] != name:
                raise _parse_error(
                    f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"'
                )
            _tag, kind, start, attrs = stack.pop()
            if kind == "text_link":
                if attrs.get("href"):
                    out.entity(kind, start, url=attrs["href"])
            elif kind == "pre" and attrs.get("language"):
                out.entity(kind, start, language=attrs["language"])
            elif kind == "custom_emoji":
                out.entity(kind, start, custom_emoji_id=attrs.get("emoji-id", ""))
            else:
                out.entity(kind, start)
        else:
            if name not in _HTML_TAGS:
                raise _parse_error(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, i)}'
                )
            attrs = {m[0].lower(): html.unescape(m[1] or m[2] or m[3])
                     for m in _HTML_ATTR.findall(rest)}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _parse_error('Tag "span" must have class "tg-spoiler"')
            if name == "code" and stack and stack[-1][0] == "pre":
                language = attrs.get("class", "").removeprefix("language-")
                if language:
                    stack[-1][3]["language"] = language
            stack.append((name, _HTML_TAGS[name], out.pos, attrs))
        i = end + 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _find_unescaped(source: str, token: str, start: int) -> int:
    i = start
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source.startswith(token, i):
            return i
        i += 1
    return -1


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def parse_markdown_v2(source: str) -> FormattedText:
    out = _Builder()
    stack: list[tuple[str, str, int, int]] = []  # marker, kind, start, source index
    i = 0

    def toggle(marker: str, kind: str) -> None:
        if stack and stack[-1][0] == marker:
            _m, _k, start, _index = stack.pop()
            out.entity(kind, start)
        elif any(entry[0] == marker for entry in stack):
            _m, open_kind, _s, index = stack[-1]
            name = _MDV2_NAMES[open_kind]
            raise _parse_error(
                f"Can't find end of {name} entity at byte offset {_byte_offset(source, index)}"
            )
        else:
            stack.append((marker, kind, out.pos, i))

    while i < len(source):
        char = source[i]
        if char == "\\":
            if i + 1 >= len(source):
                raise _parse_error(_reserved("\\"))
            out.emit(source[i + 1])
            i += 2
        elif char == "`":
            fence = "```" if source.startswith("```", i) else "`"
            close = _find_unescaped(source, fence, i + len(fence))
            if close == -1:
                kind_name = "PreCode" if fence == "```" else "Code"
                raise _parse_error(
                    f"Can't find end of {kind_name} entity at byte offset {_byte_offset(source, i)}"
                )
            body = source[i + len(fence) : close]
            extra: dict[str, Any] = {}
            if fence == "```":
                first, newline, remainder = body.partition("\n")
                if newline and first and " " not in first:
                    extra["language"] = first
                    body = remainder
            start = out.pos
            out.emit(_unescape(body))
            out.entity("pre" if fence == "```" else "code", start, **extra)
            i = close + len(fence)
        elif char == "[":
            stack.append(("[", "text_link", out.pos, i))
            i += 1
        elif char == "]" and stack and stack[-1][0] == "[":
            if not source.startswith("(", i + 1):
                raise _parse_error(_reserved("]"))
            close = _find_unescaped(source, ")", i + 2)
            if close == -1:
                raise _parse_error(
                    f"Can't find end of a URL at byte offset {_byte_offset(source, i + 1)}"
                )
            _m, _k, start, _index = stack.pop()
            out.entity("text_link", start, url=_unescape(source[i + 2 : close]))
            i = close + 1
        elif char == "_" and source.startswith("__", i):
            toggle("__", "underline")
            i += 2
        elif char == "|" and source.startswith("||", i):
            toggle("||", "spoiler")
            i += 2
        elif char in "*_~":
            toggle(char, {"*": "bold", "_": "italic", "~": "strikethrough"}[char])
            i += 1
        elif char == ">" and (i == 0 or source[i - 1] == "\n"):
            line_end = source.find("\n", i)
            line_end = len(source) if line_end == -1 else line_end
            start = out.pos
            out.emit(_unescape(source[i + 1 : line_end]))
            out.entity("blockquote", start)
            i = line_end
        elif char in MDV2_RESERVED:
            raise _parse_error(_reserved(char))
        else:
            out.emit(char)
            i += 1
    if stack:
        _m, kind, _s, index = stack[-1]
        raise _parse_error(
            f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset "
            f"{_byte_offset(source, index)}"
        )
    return out.result()


def parse_markdown(source: str) -> FormattedText:
    """Legacy Markdown: no nesting, only ``_*`[`` are special and escapable."""
    out = _Builder()
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source) and source[i + 1] in "_*`[":
            out.emit(source[i + 1])
            i += 2
            continue
        if char in "*_`":
            fence = "```" if source.startswith("```", i) else char
            close = source.find(fence, i + len(fence))
            if close == -1:
                raise _parse_error(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[fence]
            start = out.pos
            out.emit(source[i + len(fence) : close])
            out.entity(kind, start)
            i = close + len(fence)
            continue
        match = re.match(r"\[([^\]]*)\]\(([^)]*)\)", source[i:]) if char == "[" else None
        if match:
            start = out.pos
            out.emit(match.group(1))
            out.entity("text_link", start, url=match.group(2))
            i += len(match.group(0))
            continue
        out.emit(char)
        i += 1
    return out.result()


def _strip(formatted: FormattedText) -> FormattedText:
    """Telegram trims surrounding whitespace; entities shift and clip accordingly."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    lead = u16len(text[: len(text) - len(text.lstrip())])
    limit = u16len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(0, entity["offset"] - lead)
        end = min(limit, entity["offset"] + entity["length"] - lead)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def format_text(
    source: str, parse_mode: str | None, entities: list[dict[str, Any]] | None = None
) -> FormattedText:
    """Apply ``parse_mode`` (or explicit ``entities``) the way Telegram renders a message."""
    mode = (parse_mode or "").strip().lower()
    if entities:
        formatted = FormattedText(source, list(entities))
    elif not mode:
        formatted = FormattedText(source)
    elif mode == "html":
        formatted = parse_html(source)
    elif mode == "markdownv2":
        formatted = parse_markdown_v2(source)
    elif mode == "markdown":
        formatted = parse_markdown(source)
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    return _strip(formatted)
