"""The GET search engine and projections, encoded the documented way.

A search is ``key operator value`` conditions joined by ``&`` (AND) or ``|``
(OR), passed as ``?search=`` with the operators percent-encoded as the
document's table shows (``=`` ``%3D``, ``<`` ``%3C``, ``>`` ``%3E``, ``<=``
``%3C%3D``, ``>=`` ``%3E%3D``, ``!=`` ``!%3D``, ``&`` ``%26``, ``|``
``%7C``). The document gives no grouping and no precedence, so a query is a
flat AND or a flat OR, never both; and it gives no way to escape an
operator character inside a value, so values containing ``& | = < > !``
are refused rather than sent ambiguous. Everything else in a value is
percent-encoded, so the query string goes out exactly as built here (and is
signed that way).

A projection is a comma-separated list of fields appended to the path
(``/customers/_id,stimestamp``), dotted for nested fields; inclusion and
exclusion (``-field``) cannot be mixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from bot.vendors.filevirtuelle.models import utc_iso

Operator = Literal["=", "<", ">", "<=", ">=", "!="]

OPERATORS: dict[str, str] = {
    "=": "%3D", "<": "%3C", ">": "%3E", "<=": "%3C%3D", ">=": "%3E%3D", "!=": "!%3D",
}
AND, OR = "%26", "%7C"
_FIELD = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
_RESERVED = frozenset("&|=<>!")

Value = str | bool | int | float | datetime


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return utc_iso(value)
    return str(value)


@dataclass(frozen=True)
class Condition:
    key: str
    op: Operator
    value: Value

    def __post_init__(self) -> None:
        if not _FIELD.match(self.key):
            raise ValueError(f"not a searchable field name: {self.key!r}")
        if self.op not in OPERATORS:
            raise ValueError(f"unknown search operator: {self.op!r}")
        if _RESERVED.intersection(_text(self.value)):
            raise ValueError(f"a search value cannot contain any of & | = < > !: {self.value!r}")

    def encode(self) -> str:
        return f"{self.key}{OPERATORS[self.op]}{quote(_text(self.value), safe='')}"


@dataclass(frozen=True)
class Query:
    conditions: tuple[Condition, ...]
    joiner: str = AND

    def encode(self) -> str:
        """The value of the ``search`` parameter, already percent-encoded."""
        return self.joiner.join(c.encode() for c in self.conditions)


def where(key: str, op: Operator, value: Value) -> Condition:
    return Condition(key, op, value)


def all_of(*conditions: Condition) -> Query:
    if not conditions:
        raise ValueError("an empty search")
    return Query(tuple(conditions), AND)


def any_of(*conditions: Condition) -> Query:
    if not conditions:
        raise ValueError("an empty search")
    return Query(tuple(conditions), OR)


def projection(fields: tuple[str, ...] | list[str]) -> str:
    """``a,b.c`` (inclusion) or ``-a,-b`` (exclusion), checked, never mixed."""
    if not fields:
        raise ValueError("an empty projection")
    excluded = [f.startswith("-") for f in fields]
    if any(excluded) and not all(excluded):
        raise ValueError("a projection cannot mix inclusion and exclusion")
    for field in fields:
        if not _FIELD.match(field.removeprefix("-")):
            raise ValueError(f"not a field name: {field!r}")
    return ",".join(fields)


def resource(
    path: str,
    fields: tuple[str, ...] | list[str] = (),
    search: Query | Condition | None = None,
) -> str:
    """``path[/projection][?search=...]``: the target of a GET."""
    target = f"{path.rstrip('/')}/{projection(fields)}" if fields else path
    if isinstance(search, Condition):
        search = Query((search,))
    return f"{target}?search={search.encode()}" if search is not None else target
