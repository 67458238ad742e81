"""The search engine and projections, encoded as the document shows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.vendors.filevirtuelle.search import all_of, any_of, projection, resource, where


def test_the_documented_example() -> None:
    query = any_of(where("name", "=", "Darty"), where("name", "=", "Nikon"))
    assert resource("/organizations", search=query) == (
        "/organizations?search=name%3DDarty%7Cname%3DNikon")


@pytest.mark.parametrize(("op", "encoded"), [
    ("=", "%3D"), ("<", "%3C"), (">", "%3E"), ("<=", "%3C%3D"), (">=", "%3E%3D"),
    ("!=", "!%3D"),
])
def test_each_operator_is_encoded_as_documented(op: str, encoded: str) -> None:
    assert where("waiting", op, 5).encode() == f"waiting{encoded}5"  # type: ignore[arg-type]


def test_and_values_and_types() -> None:
    since = datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    query = all_of(where("suborganization", "=", "abc"), where("stimestamp", ">=", since),
                   where("called", "=", False), where("name", "=", "Zoé Dupont: 2/3"))
    assert query.encode() == (
        "suborganization%3Dabc%26stimestamp%3E%3D2024-03-01T08%3A30%3A00.000Z"
        "%26called%3Dfalse%26name%3DZo%C3%A9%20Dupont%3A%202%2F3")


@pytest.mark.parametrize("value", ["a&b", "a|b", "a=b", "a<b", "a>b", "wow!"])
def test_values_with_operator_characters_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        where("name", "=", value)


@pytest.mark.parametrize("key", ["", "na me", "a=b", "a..b", "-name"])
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        where(key, "=", "x")


def test_projection_with_and_without_search() -> None:
    assert resource("/customers", ("_id", "stimestamp", "sms.activated")) == (
        "/customers/_id,stimestamp,sms.activated")
    assert resource("/organization/592e/", ("-name", "-colortwo")) == (
        "/organization/592e/-name,-colortwo")
    assert resource("/customers", ("_id",), where("ticket", "=", "7")) == (
        "/customers/_id?search=ticket%3D7")


@pytest.mark.parametrize("fields", [("-name", "colorone"), ("na,me",), ("a/b",), ()])
def test_bad_projections_are_refused(fields: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        projection(fields)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        where("stimestamp", ">=", datetime(2024, 1, 1)).encode()
