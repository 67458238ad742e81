from __future__ import annotations

import base64
import copy
import pickle

import pytest

from bot.storage import DecryptionError, SecretBox, StorageError

from .helpers import SECRET


def test_round_trip_with_unicode() -> None:
    box = SecretBox(SECRET)
    sealed = box.encrypt("tökén ✓", context="acme|u1|access")
    assert box.decrypt(sealed, context="acme|u1|access") == "tökén ✓"


def test_nonce_is_random() -> None:
    box = SecretBox(SECRET)
    assert box.encrypt("same", context="c") != box.encrypt("same", context="c")


def test_wrong_key_fails() -> None:
    sealed = SecretBox(SECRET).encrypt("secret", context="c")
    with pytest.raises(DecryptionError):
        SecretBox(SECRET + "x").decrypt(sealed, context="c")


def test_wrong_context_fails() -> None:
    box = SecretBox(SECRET)
    sealed = box.encrypt("secret", context="acme|alice|access")
    with pytest.raises(DecryptionError):
        box.decrypt(sealed, context="acme|bob|access")


@pytest.mark.parametrize("position", [0, 1, 5, 13, -1])
def test_tampered_ciphertext_fails(position: int) -> None:
    box = SecretBox(SECRET)
    blob = bytearray(base64.urlsafe_b64decode(box.encrypt("secret", context="c")))
    blob[position] ^= 0x01
    with pytest.raises(DecryptionError):
        box.decrypt(base64.urlsafe_b64encode(bytes(blob)).decode(), context="c")


@pytest.mark.parametrize("garbage", ["", "not base64!!", "AAAA", "é"])
def test_garbage_fails_with_decryption_error(garbage: str) -> None:
    with pytest.raises(DecryptionError):
        SecretBox(SECRET).decrypt(garbage, context="c")


def test_decryption_error_is_a_storage_error() -> None:
    assert issubclass(DecryptionError, StorageError)


def test_key_is_not_exposed() -> None:
    box = SecretBox(SECRET)
    assert SECRET not in repr(box) and SECRET not in str(box)
    assert not hasattr(box, "__dict__")
    with pytest.raises(TypeError):
        pickle.dumps(box)
    with pytest.raises(TypeError):
        copy.deepcopy(box)


def test_empty_key_is_rejected() -> None:
    with pytest.raises(ValueError):
        SecretBox("  ")
