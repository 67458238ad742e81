"""Every documented FileVirtuelle error reaches the user as a specific, localized sentence.

The chain under test is the one production uses: the error body → the
adapter's table (:mod:`bot.vendors.filevirtuelle.errors`) → the one mapping
to user messages, :func:`bot.conversations.errors.user_message`.
"""

from __future__ import annotations

import httpx
import pytest

from bot.i18n import LANGUAGES, translator
from bot.ui.errors import user_message
from bot.vendors import InputRejected, VendorError
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.errors import ERRORS, ErrorTranslator


def _error(name: str) -> VendorError:
    body = data.error_body(name)
    error = ErrorTranslator().translate(httpx.Response(body["code"], json=body), now=0.0)
    assert error is not None, name
    return error


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_documented_error_has_a_specific_localized_message(name: str, language: str) -> None:
    t = translator(language)
    error = _error(name)
    text = user_message(error, t, queue=True)
    assert text.strip()
    assert text != user_message(RuntimeError("bug"), t)  # never the catch-all apology
    assert text != user_message(error, t)  # the queue's own words, not the booking system's
    if isinstance(error, InputRejected):
        generic = user_message(InputRejected(error.reason), t, queue=True)
        assert text != generic, f"{name}: the field {error.field!r} deserves its own sentence"
        assert error.reason not in text  # the vendor's French or English never leaks through


def test_the_documented_names_are_all_covered() -> None:
    assert set(ERRORS) == set(data.ERRORS)
