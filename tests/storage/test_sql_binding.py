"""One SQL text for both engines: lists bound to IN, PostgreSQL's numbered parameters, rows."""

from __future__ import annotations

import pytest

from bot.storage import StorageError
from bot.storage._sql import bind_positional, expand_lists, positional_many, row_factory


def test_a_list_bound_to_in_becomes_one_parameter_per_element() -> None:
    sql, params = expand_lists("SELECT 1 FROM t WHERE a IN :ids AND b = :b",
                               {"ids": [7, 8, 9], "b": "x"})
    assert sql == "SELECT 1 FROM t WHERE a IN (:ids__0, :ids__1, :ids__2) AND b = :b"
    assert params == {"ids__0": 7, "ids__1": 8, "ids__2": 9, "b": "x"}


def test_an_empty_in_matches_nothing_and_an_empty_not_in_is_refused() -> None:
    assert expand_lists("SELECT 1 WHERE a IN :ids", {"ids": ()})[0] == "SELECT 1 WHERE a IN (NULL)"
    with pytest.raises(StorageError, match="skip the query"):
        expand_lists("SELECT 1 WHERE a NOT IN :ids", {"ids": []})


def test_postgresql_gets_numbered_parameters_in_order_of_first_use() -> None:
    sql, args = bind_positional("UPDATE t SET a = :a, b = CAST(:b AS TEXT) WHERE a = :a"
                                " AND c::text = 'x'", {"b": "B", "a": 1, "unused": 0})
    assert sql == "UPDATE t SET a = $1, b = CAST($2 AS TEXT) WHERE a = $1 AND c::text = 'x'"
    assert args == [1, "B"]  # a cast's :: is no parameter
    with pytest.raises(StorageError, match="missing parameter 'a'"):
        bind_positional("SELECT :a", {})
    assert positional_many("INSERT INTO t VALUES (:x, :y)", [{"y": 2, "x": 1}, {"x": 3, "y": 4}]) == (
        "INSERT INTO t VALUES ($1, $2)", [[1, 2], [3, 4]])


def test_rows_read_by_index_name_and_mapping() -> None:
    row = row_factory(("id", "count(*)", "text"))._make((1, 5, "t"))
    assert row == (1, 5, "t") and row[1] == 5
    assert row.id == 1 and row.text == "t"
    assert row._mapping == {"id": 1, "count(*)": 5, "text": "t"}
    assert row_factory(("id", "count(*)", "text")) is type(row)  # one class per shape
