"""Statements as the repositories write them, made ready for one engine's driver.

Repositories write plain SQL with named parameters (``WHERE owner = :owner``), the same
text for SQLite and PostgreSQL. Two things differ per driver and are done here, once:

* ``IN :ids`` bound to a list or tuple becomes one parameter per element; an empty
  list becomes ``(NULL)``, which no value is IN (a ``NOT IN`` an empty list is refused:
  it would match nothing instead of everything, so the caller must skip the query).
* sqlite3 takes ``:name`` as it is; asyncpg wants ``$1, $2…`` and a sequence, so for
  PostgreSQL the names are numbered in order of first appearance (cached per text).

Rows come back as :class:`Row`-like named tuples: ``row[0]``, ``row.column`` and
``row._mapping`` all work, as they did with SQLAlchemy's rows.
"""

from __future__ import annotations

import functools
import re
from collections import namedtuple
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import StorageError

__all__ = ["Params", "Row", "bind_positional", "expand_lists", "row_factory"]

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None

#: A ``:name`` parameter: not part of a ``::`` cast, nor preceded by a word character.
_PARAM = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")
_NOT_IN = re.compile(r"\bNOT\s+IN\s*$", re.I)


def expand_lists(sql: str, params: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """``IN :name`` with a list or tuple bound: one ``:name__i`` per element."""
    lists = {k: v for k, v in params.items() if isinstance(v, (list, tuple))}
    if not lists:
        return sql, params
    flat = {k: v for k, v in params.items() if k not in lists}

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in lists:
            return match.group(0)
        values = lists[name]
        if not values:
            if _NOT_IN.search(sql, 0, match.start()):
                raise StorageError(f"NOT IN an empty list (:{name}): skip the query instead")
            return "(NULL)"
        for i, value in enumerate(values):
            flat[f"{name}__{i}"] = value
        return "(" + ", ".join(f":{name}__{i}" for i in range(len(values))) + ")"

    return _PARAM.sub(expand, sql), flat


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    return _PARAM.sub(number, sql), tuple(order)


def bind_positional(sql: str, params: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """PostgreSQL's form: ``$n`` placeholders and the values in that order."""
    text, names = _numbered(sql)
    if not names:
        return text, []
    if params is None:
        raise StorageError(f"statement needs parameters {names}")
    try:
        return text, [params[name] for name in names]
    except KeyError as exc:
        raise StorageError(f"missing parameter {exc.args[0]!r}") from None


def positional_many(sql: str, rows: Iterable[Mapping[str, Any]]) -> tuple[str, list[list[Any]]]:
    """:func:`bind_positional` for executemany (no list expansion there)."""
    text, names = _numbered(sql)
    return text, [[row[name] for name in names] for row in rows]


class Row(tuple):  # type: ignore[type-arg]
    """What :func:`row_factory` classes derive from: for type hints."""

    _mapping: Mapping[str, Any]


@functools.lru_cache(maxsize=512)
def row_factory(names: tuple[str, ...]) -> type[Row]:
    """A named-tuple class for rows with these column names (one per result shape).
    Names that are not identifiers (``count(*)``) are reachable by index and in
    ``_mapping``."""
    base = namedtuple("_Row", names, rename=True)  # type: ignore[misc]

    class _Row(base):  # type: ignore[valid-type,misc]
        __slots__ = ()

        @property
        def _mapping(self) -> dict[str, Any]:
            return dict(zip(names, self))

    _Row.__name__ = _Row.__qualname__ = "Row"
    return _Row  # type: ignore[return-value]
