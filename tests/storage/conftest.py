from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Storage

from .engines import ENGINES, postgres_database
from .helpers import SECRET, FakeClock


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture(params=ENGINES)
async def db_url(request: pytest.FixtureRequest, db_path: Path) -> AsyncIterator[str]:
    """The test's own database on each engine: the storage suite runs on both."""
    if request.param == "sqlite":
        yield str(db_path)
    else:
        async with postgres_database() as url:
            yield url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def storage(db_url: str, clock: FakeClock) -> AsyncIterator[Storage]:
    opened = await Storage.open(db_url, SECRET, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()
