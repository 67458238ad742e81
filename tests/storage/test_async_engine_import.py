"""The storage gets SQLAlchemy's async engine without importing the ORM (see
bot.storage._async_engine), and the asyncio package still works for everyone else."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_storage_does_not_import_the_orm() -> None:
    assert run("""
        import sys
        import bot.storage
        print("sqlalchemy.orm" in sys.modules)
    """) == "False"


def test_the_asyncio_package_is_whole_for_whoever_asks_it() -> None:
    assert run("""
        import bot.storage
        from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
        import sqlalchemy.ext.asyncio as package
        from bot.storage._async_engine import create_async_engine as ours
        assert ours is create_async_engine and package.AsyncSession is AsyncSession
        print(AsyncSession.__module__, async_sessionmaker.__name__)
    """) == "sqlalchemy.ext.asyncio.session async_sessionmaker"


def test_a_missing_name_is_an_attribute_error() -> None:
    assert run("""
        import bot.storage
        import sqlalchemy.ext.asyncio as package
        try:
            package.no_such_name
        except AttributeError:
            print("missing")
    """) == "missing"


def test_an_earlier_import_of_the_package_is_left_alone() -> None:
    assert run("""
        import sys
        import sqlalchemy.ext.asyncio
        import bot.storage
        print("sqlalchemy.orm" in sys.modules, "__getattr__" in vars(sqlalchemy.ext.asyncio))
    """) == "True False"
