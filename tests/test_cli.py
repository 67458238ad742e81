"""The command line as a user meets it: help, bad configuration, the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLEAN_ENV = {k: v for k, v in os.environ.items()
             if not k.startswith(("TELEGRAM_", "BOT_", "UFIRST_", "BOOKINGTIME_", "FILEVIRTUELLE_"))}


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
        cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        env={**CLEAN_ENV, **(env or {})}, cwd=cwd, timeout=timeout,
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("run", "sandbox", "demo"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BOT_SECRET_KEY": "x" * 20}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token", "BOT_SECRET_KEY": "x" * 20}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc"}, "BOT_SECRET_KEY"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc", "BOT_SECRET_KEY": "short"}, "BOT_SECRET_KEY"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc", "BOT_SECRET_KEY": "x" * 20, "WEB_PORT": "http"}, "WEB_PORT"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc", "BOT_SECRET_KEY": "x" * 20, "STAFF_IDS": "1,bob"}, "STAFF_IDS"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc", "BOT_SECRET_KEY": "x" * 20, "BOT_MODE": "push"}, "BOT_MODE"),
    ],
)
def test_bad_configuration_is_one_line_naming_the_variable(
    env: dict[str, str], variable: str, tmp_path: Path
) -> None:
    result = run("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] and "expected" in lines[0]
    for value in env.values():
        if len(value) > 4:
            assert value not in lines[0]  # values, secrets above all, are never echoed


def test_piping_start_into_the_demo_prints_the_welcome(tmp_path: Path) -> None:
    result = run("demo", "--data", str(tmp_path / "demo"), stdin="/start\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "you> /start" in result.stdout
    assert "bot> Hello Demo!" in result.stdout


def test_demo_keeps_state_across_runs(tmp_path: Path) -> None:
    data = str(tmp_path / "demo")
    first = run("demo", "--data", data, stdin="/language\n2\n", cwd=tmp_path)
    assert "Italiano" in first.stdout, first.stdout
    second = run("demo", "--data", data, stdin="/start\n", cwd=tmp_path)
    assert "bot> Ciao Demo!" in second.stdout, second.stdout


def test_the_demo_follows_the_link_button_round_trip(tmp_path: Path) -> None:
    """/link's button is a web page: the demo prints its URL and its browser
    goes through Faces' consent page and back, so "Linked as …" follows."""
    result = run("demo", "--data", str(tmp_path / "demo"), stdin="/link\n1\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1] " in out and "→ http://127.0.0.1:" in out  # the button's URL is shown
    assert "browser> GET http://127.0.0.1:" in out and "/oauth/authorize?" in out
    assert "browser> (authorizing as Herr Remo Räber)" in out
    assert "browser> 200: " in out and "Telegram" in out.split("browser> 200: ", 1)[1]
    assert "bot> Linked as Herr Remo Räber" in out


def test_the_collector_is_back_once_start_up_code_is_loaded() -> None:
    """``python -m bot`` loads its code with the collector off; settle_heap turns it back
    on, with what was loaded frozen (the commands call it before they run)."""
    import gc

    from bot.cli import settle_heap

    gc.disable()
    try:
        settle_heap()
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()
