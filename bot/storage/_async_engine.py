"""SQLAlchemy's async engine without the ORM it drags in: a tenth of a cold start.

The storage uses Core only, through ``sqlalchemy.ext.asyncio.engine`` (the async engine
and connection). But the ``sqlalchemy.ext.asyncio`` package's ``__init__`` also imports
the async ORM session, hence all of ``sqlalchemy.orm``: ~70 ms of CPU at every start,
before the first answer, for nothing the bot uses.

So, unless something imported the package already, it is registered here without its
``__init__`` having run, and the engine module is imported from it alone. The first name
anyone reads from the package itself (``from sqlalchemy.ext.asyncio import
AsyncSession``, tests and tools do) runs the ``__init__`` then, so everyone else sees the
package as usual; its submodules import as usual all along.
"""

from __future__ import annotations

import importlib.util
import sys

_PACKAGE = "sqlalchemy.ext.asyncio"


def _register_without_init() -> None:
    if _PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return  # not the package we know: import it the usual way
    package = importlib.util.module_from_spec(spec)
    running = False

    def __getattr__(name: str) -> object:  # noqa: N807 - the module-level hook (PEP 562)
        nonlocal running
        # While __init__ runs, or for a submodule being imported (the import system asks
        # the package first), a missing name is simply missing.
        if running or importlib.util.find_spec(f"{_PACKAGE}.{name}") is not None:
            raise AttributeError(name)
        running = True
        del package.__dict__["__getattr__"]
        spec.loader.exec_module(package)  # type: ignore[union-attr]
        return getattr(package, name)

    package.__dict__["__getattr__"] = __getattr__
    sys.modules[_PACKAGE] = package
    parent, _, name = _PACKAGE.rpartition(".")
    setattr(sys.modules[parent], name, package)  # as the import system does for a submodule


_register_without_init()

from sqlalchemy.ext.asyncio.engine import (  # noqa: E402
    AsyncConnection,
    AsyncEngine,
    create_async_engine,
)

__all__ = ["AsyncConnection", "AsyncEngine", "create_async_engine"]
