"""A database of its own for each test, on SQLite or on the local PostgreSQL.

PostgreSQL is at ``TEST_POSTGRES_URL`` (default: the machine's PostgreSQL 15 on
127.0.0.1:5432, user postgres, trust auth). Each test creates a uniquely named database
and drops it afterwards, so parallel pytest-xdist workers never share tables or
advisory locks. Where PostgreSQL cannot be reached its tests are skipped, with one
plain reason in the summary, unless ``REQUIRE_POSTGRES=1`` (set by .ci/run) turns the
skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.storage import parse_database_url

ENGINES = ("sqlite", "postgresql")
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SKIPPED = "PostgreSQL not reachable at {url} ({error}): the PostgreSQL half was skipped"


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        message = SKIPPED.format(url=str(parse_database_url(ADMIN_URL)), error=exc)
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{message}; REQUIRE_POSTGRES=1 makes that an error", pytrace=False)
        pytest.skip(message)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """Create an empty database, yield its URL, drop it (with any open sessions)."""
    name = f"bot_test_{uuid.uuid4().hex[:16]}"
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
