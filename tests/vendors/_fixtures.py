"""What every vendor's test fixtures share: a simulator served for one test, and the
vendor's settings read from the environment that simulator announces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from bot.vendors._simulator import Simulator

S = TypeVar("S", bound=Simulator)


@asynccontextmanager
async def serving(simulator: S) -> AsyncIterator[S]:
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


def settings_from(settings_class: type[Any], prefix: str, simulator: Simulator,
                  **overrides: Any) -> Any:
    """``settings_class`` as if configured with ``simulator.environment()`` (``PREFIX_NAME``)."""
    env = simulator.environment(simulator.url)
    values = {k.removeprefix(prefix).lower(): v for k, v in env.items()}
    return settings_class(_env_file=None, **(values | overrides))
