from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from bot.storage import DecryptionError, Storage, StoredToken

from .helpers import SECRET, T0, FakeClock


def _raw_files(db_path: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in db_path.parent.glob(db_path.name + "*")}
    assert db_path.name in files
    return files


async def test_save_load_delete_round_trip(storage: Storage) -> None:
    token = StoredToken(value="at-123", expires_at=T0 + timedelta(hours=1))
    assert await storage.tokens.load("acme", "user-7") is None
    await storage.tokens.save("acme", "user-7", token)
    await storage.tokens.save("acme", "user-7", StoredToken("rt-9", T0), kind="refresh")
    assert await storage.tokens.load("acme", "user-7") == token
    assert (await storage.tokens.load("acme", "user-7", "refresh")) == StoredToken("rt-9", T0)
    assert await storage.tokens.load("acme", "user-8") is None
    assert await storage.tokens.load("other", "user-7") is None

    newer = StoredToken(value="at-456", expires_at=T0 + timedelta(hours=2))
    await storage.tokens.save("acme", "user-7", newer)
    assert await storage.tokens.load("acme", "user-7") == newer

    await storage.tokens.delete("acme", "user-7")
    assert await storage.tokens.load("acme", "user-7") is None
    assert await storage.tokens.load("acme", "user-7", "refresh") is not None


async def test_token_repr_hides_value() -> None:
    assert "s3cr3t" not in repr(StoredToken("s3cr3t", T0))


async def test_plaintext_never_reaches_the_database_files(db_path: Path, clock: FakeClock) -> None:
    plaintext = f"PLAINTEXT-TOKEN-{uuid.uuid4().hex}"
    storage = await Storage.open(db_path, SECRET, clock=clock)
    try:
        await storage.tokens.save("acme", "org-1", StoredToken(plaintext, T0))
        ciphertext = await storage.db.fetchval("SELECT ciphertext FROM vendor_tokens")
        files = _raw_files(db_path)
        # While open, the committed row lives in the WAL: prove the scan sees written data.
        assert db_path.name + "-wal" in files
        assert any(ciphertext.encode() in data for data in files.values())
        for name, data in files.items():
            assert plaintext.encode() not in data, name
            assert plaintext.encode("utf-16-le") not in data, name
        assert (await storage.tokens.load("acme", "org-1")) == StoredToken(plaintext, T0)
    finally:
        await storage.close()
    # After close the WAL is checkpointed into the main file.
    files = _raw_files(db_path)
    assert ciphertext.encode() in files[db_path.name]
    for name, data in files.items():
        assert plaintext.encode() not in data, name


async def test_wrong_secret_key_fails_loudly(db_url: str) -> None:
    async with await Storage.open(db_url, SECRET) as storage:
        await storage.tokens.save("acme", "u", StoredToken("v", T0))
    async with await Storage.open(db_url, "another-secret-key-entirely-0000") as storage:
        with pytest.raises(DecryptionError):
            await storage.tokens.load("acme", "u")


async def test_tampered_or_moved_ciphertext_fails(storage: Storage) -> None:
    await storage.tokens.save("acme", "alice", StoredToken("alice-token", T0))
    await storage.tokens.save("acme", "bob", StoredToken("bob-token", T0))
    # Moving Alice's ciphertext into Bob's row must not give Bob Alice's token.
    await storage.db.execute(
        "UPDATE vendor_tokens SET ciphertext ="
        " (SELECT ciphertext FROM vendor_tokens WHERE owner = 'alice') WHERE owner = 'bob'"
    )
    with pytest.raises(DecryptionError):
        await storage.tokens.load("acme", "bob")
    # Flip one bit in the middle of Alice's stored ciphertext.
    stored = await storage.db.fetchval("SELECT ciphertext FROM vendor_tokens WHERE owner='alice'")
    blob = bytearray(base64.urlsafe_b64decode(stored))
    blob[len(blob) // 2] ^= 0x01
    tampered = base64.urlsafe_b64encode(bytes(blob)).decode()
    await storage.db.execute(
        "UPDATE vendor_tokens SET ciphertext = :c WHERE owner = 'alice'", {"c": tampered}
    )
    with pytest.raises(DecryptionError):
        await storage.tokens.load("acme", "alice")


async def test_naive_expiry_is_rejected(storage: Storage) -> None:
    with pytest.raises(ValueError, match="naive"):
        await storage.tokens.save("acme", "u", StoredToken("v", T0.replace(tzinfo=None)))


async def test_vendor_with_separator_is_rejected(storage: Storage) -> None:
    with pytest.raises(ValueError):
        await storage.tokens.save("ac|me", "u", StoredToken("v", T0))


async def test_matches_vendor_token_store_protocol_shape(storage: Storage) -> None:
    """Structural check against the protocol in the brief (defined in bot.vendors)."""
    import inspect

    for name in ("load", "save", "delete"):
        method = getattr(storage.tokens, name)
        assert inspect.iscoroutinefunction(method)
    params = list(inspect.signature(storage.tokens.save).parameters)
    assert params == ["vendor", "owner", "token", "kind"]
    assert inspect.signature(storage.tokens.load).parameters["kind"].default == "access"
