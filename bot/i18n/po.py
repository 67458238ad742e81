"""Reading a ``.po`` catalog into gettext translations, without babel.

Babel's reader (and the dates and locale data it imports with it) cost ~20 ms of CPU
at every start, before the first answer; this reads the same files the way babel's
``read_po`` + ``write_mo(use_fuzzy=False)`` did: the same messages kept (translated,
not fuzzy, not obsolete; the header always), the same escapes, an empty plural form
falling back to the msgid, and the result handed to :class:`gettext.GNUTranslations`
as an in-memory ``.mo``, so translating behaves exactly as before. Babel still writes
the catalogs (``python -m bot.i18n.extract``); a test holds the two readers equal.
"""

from __future__ import annotations

import array
import gettext
import io
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_ESCAPE = re.compile(r'\\([\\trn"])')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_MO_MAGIC = 0x950412DE


@dataclass
class PoEntry:
    msgid: str = ""
    plural: str | None = None  # msgid_plural
    context: str | None = None  # msgctxt
    strings: dict[int, str] = field(default_factory=dict)  # msgstr, or msgstr[n]
    fuzzy: bool = False


def _unescape(quoted: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), quoted.strip()[1:-1])


def read_entries(lines: Iterable[str]) -> Iterator[PoEntry]:
    """The entries of a ``.po`` file, obsolete ones (``#~``) left out."""
    entry, target, seen = PoEntry(), "", False
    for raw in lines:
        line = raw.strip()
        if line.startswith("#~"):
            continue
        if line.startswith("#") or not line:
            if seen:
                yield entry
                entry, target, seen = PoEntry(), "", False
            if line.startswith("#,") and "fuzzy" in (f.strip() for f in line[2:].split(",")):
                entry.fuzzy = True
            continue
        if line.startswith('"'):
            _append(entry, target, _unescape(line))
            continue
        keyword, _, rest = line.partition(" ")
        target = keyword
        seen = seen or keyword.startswith("msgstr")
        _append(entry, target, _unescape(rest), start=True)
    if seen:
        yield entry


def _append(entry: PoEntry, target: str, text: str, *, start: bool = False) -> None:
    if target == "msgid":
        entry.msgid = text if start else entry.msgid + text
    elif target == "msgid_plural":
        entry.plural = text if start else (entry.plural or "") + text
    elif target == "msgctxt":
        entry.context = text if start else (entry.context or "") + text
    elif target.startswith("msgstr"):
        index = int(target[7:-1]) if target.startswith("msgstr[") else 0
        entry.strings[index] = text if start else entry.strings.get(index, "") + text


def _mo_pair(entry: PoEntry) -> tuple[bytes, bytes]:
    if entry.plural is not None:
        key = f"{entry.msgid}\0{entry.plural}"
        forms = [entry.strings.get(i, "") or (entry.msgid if i == 0 else entry.plural)
                 for i in range(max(entry.strings, default=-1) + 1)]
        value = "\0".join(forms)
    else:
        key, value = entry.msgid, entry.strings.get(0, "")
    if entry.context is not None:
        key = f"{entry.context}\x04{key}"
    return key.encode(), value.encode()


def write_mo(entries: Iterable[PoEntry]) -> bytes:
    """A GNU ``.mo`` of ``entries``: the header, and what is translated and not fuzzy."""
    pairs: dict[bytes, bytes] = {}
    for entry in entries:
        is_header = entry.msgid == "" and entry.plural is None and entry.context is None
        kept = is_header or (any(entry.strings.values()) if entry.plural is None
                             else bool(entry.strings)) and not entry.fuzzy
        if kept:
            key, value = _mo_pair(entry)
            pairs[key] = value  # a repeated message: the last one counts
    keys = sorted(pairs)
    ids = strs = b""
    spans = []
    for key in keys:
        spans.append((len(ids), len(key), len(strs), len(pairs[key])))
        ids += key + b"\0"
        strs += pairs[key] + b"\0"
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    offsets = [n for o1, l1, _, _ in spans for n in (l1, o1 + key_start)]
    offsets += [n for _, _, o2, l2 in spans for n in (l2, o2 + value_start)]
    header = struct.pack("Iiiiiii", _MO_MAGIC, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    return header + array.array("i", offsets).tobytes() + ids + strs


def load_po(path: Path) -> gettext.GNUTranslations:
    with path.open(encoding="utf-8") as source:
        return gettext.GNUTranslations(io.BytesIO(write_mo(read_entries(source))))
