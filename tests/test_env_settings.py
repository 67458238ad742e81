"""The settings base: where values come from, how names match, what errors say.

bot/env_settings.py replaced pydantic-settings; these pin the rules the
bot's and the vendors' settings rely on, on a small model of their own and
on the real ``bot.config.Settings``.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, ClassVar

import pytest
from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, ValidationError

from bot.config import ConfigError, Settings, describe_validation_error, load_settings
from bot.env_settings import EnvSettings
from bot.vendors._config import CommaList


def _ints(value: object) -> object:
    return [int(part) for part in value.split(",") if part] if isinstance(value, str) else value


class Sample(EnvSettings):
    env_prefix: ClassVar[str] = "ENVTEST_"

    port: int = 8080
    name: str = "demo"
    token: SecretStr | None = None
    numbers: Annotated[list[int], BeforeValidator(_ints)] = Field(default_factory=list)
    words: CommaList = ()
    url: str = Field("sqlite", validation_alias=AliasChoices("ENVTEST_URL_NEW", "ENVTEST_URL_OLD"))
    required: str = Field("x", validation_alias="ENVTEST_REQUIRED_ALIAS")


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test in an empty folder, with none of the variables read here set."""
    monkeypatch.chdir(tmp_path)
    import os

    for name in list(os.environ):
        if name.upper().startswith(("ENVTEST_", "UFIRST_")) or name.upper() in _bot_names():
            monkeypatch.delenv(name)


def _bot_names() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.update(alias.choices if isinstance(alias, AliasChoices) else [alias])  # type: ignore[arg-type]
    return {str(name).upper() for name in names}


def write_env(text: str) -> None:
    Path(".env").write_text(text, encoding="utf-8")


def test_defaults_when_nothing_is_set() -> None:
    sample = Sample()
    assert (sample.port, sample.name, sample.token, sample.numbers, sample.url) == (8080, "demo", None, [], "sqlite")


def test_the_environment_wins_over_the_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write_env("ENVTEST_PORT=1\nENVTEST_NAME=from-file\n")
    monkeypatch.setenv("ENVTEST_PORT", "2")
    sample = Sample()
    assert (sample.port, sample.name) == (2, "from-file")


def test_keyword_arguments_win_over_both(monkeypatch: pytest.MonkeyPatch) -> None:
    write_env("ENVTEST_PORT=1\n")
    monkeypatch.setenv("ENVTEST_PORT", "2")
    assert Sample(port=3).port == 3
    assert Sample(PORT="4").port == 4  # keyword names are case-insensitive too, and take no prefix


def test_no_env_file_is_read_when_told_none(monkeypatch: pytest.MonkeyPatch) -> None:
    write_env("ENVTEST_PORT=1\n")
    assert Sample(_env_file=None).port == 8080
    Path("other.env").write_text("ENVTEST_PORT=5\n", encoding="utf-8")
    assert Sample(_env_file="other.env").port == 5


def test_names_are_case_insensitive_in_the_environment_and_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("envtest_port", "7")
    write_env("EnvTest_Name=mixed\nenvtest_url_new=lower\n")
    sample = Sample()
    assert (sample.port, sample.name, sample.url) == (7, "mixed", "lower")


def test_the_prefix_is_needed_and_aliases_take_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9")
    monkeypatch.setenv("ENVTEST_REQUIRED", "no")  # the field's name with the prefix is not its name
    monkeypatch.setenv("ENVTEST_REQUIRED_ALIAS", "yes")
    sample = Sample()
    assert (sample.port, sample.required) == (8080, "yes")


def test_alias_choices_accept_the_older_name_and_prefer_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVTEST_URL_OLD", "old")
    assert Sample().url == "old"
    monkeypatch.setenv("ENVTEST_URL_NEW", "new")
    assert Sample().url == "new"


def test_the_environment_wins_even_when_the_file_has_the_newer_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVTEST_URL_OLD", "env")
    write_env("ENVTEST_URL_NEW=file\n")
    assert Sample().url == "env"


def test_values_are_never_json_decoded_so_validators_parse_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVTEST_NUMBERS", "1,2,3")
    monkeypatch.setenv("ENVTEST_WORDS", " a,b,,a ")
    sample = Sample()
    assert (sample.numbers, sample.words) == ([1, 2, 3], ("a", "b"))
    monkeypatch.setenv("ENVTEST_NUMBERS", "[1,2]")
    with pytest.raises(ValidationError):
        Sample()


def test_secrets_stay_out_of_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVTEST_TOKEN", "hunter2")
    sample = Sample()
    assert sample.token is not None and sample.token.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(sample)


def test_other_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVTEST_UNKNOWN", "1")
    write_env("ENVTEST_OTHER=2\n")
    Sample(unknown=3)


def test_defaults_are_validated_too() -> None:
    class Strict(EnvSettings):
        words: CommaList = ("b", "b", "a")  # type: ignore[assignment]

    assert Strict(_env_file=None).words == ("b", "a")


def test_the_env_file_is_parsed_as_dotenv_files_are(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVTEST_HOME", "/srv")
    write_env("# a comment\nexport ENVTEST_NAME='two words'\nENVTEST_URL_NEW=${ENVTEST_HOME}/db # note\n")
    sample = Sample()
    assert (sample.name, sample.url) == ("two words", "/srv/db")


def test_an_alias_path_is_refused_plainly() -> None:
    from pydantic import AliasPath

    class Nested(EnvSettings):
        value: str = Field("x", validation_alias=AliasPath("A", 0))

    with pytest.raises(TypeError, match="AliasChoices"):
        Nested()


# The bot's own settings on this base.

VALID = {"TELEGRAM_BOT_TOKEN": "123:abc", "BOT_SECRET_KEY": "k" * 20}


def test_bot_settings_from_the_env_file_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    write_env("TELEGRAM_BOT_TOKEN=123:abc\nbot_secret_key=kkkkkkkkkkkkkkkkkkkk\nWEB_PORT=1\nSTAFF_IDS=1, 2\n")
    monkeypatch.setenv("WEB_PORT", "2")
    monkeypatch.setenv("REMINDER_LEADS", "90m,1d")
    monkeypatch.setenv("REMINDER_QUIET_HOURS", "22:00-7:30")
    settings = load_settings()
    assert settings.web_port == 2 and settings.staff_ids == frozenset({1, 2})
    assert settings.reminder_leads == (timedelta(days=1), timedelta(minutes=90))
    assert settings.reminder_quiet_hours == (time(22), time(7, 30))
    assert settings.database_url.get_secret_value() == "data/bot.sqlite3"


def test_database_path_is_still_read_and_database_url_preferred(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_PATH", "/var/old.sqlite3")
    assert load_settings(**VALID).database_url.get_secret_value() == "/var/old.sqlite3"
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db/bot")
    assert load_settings(**VALID).database_url.get_secret_value() == "postgresql://bot@db/bot"


def test_bot_overrides_by_variable_name_in_either_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_PORT", "7")
    settings = load_settings(**VALID, web_port=9, staff_ids="4,5", DATABASE_PATH="/o.db")
    assert (settings.web_port, settings.staff_ids) == (9, frozenset({4, 5}))
    assert settings.database_url.get_secret_value() == "/o.db"


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({}, "Configuration error: TELEGRAM_BOT_TOKEN is missing; expected the bot token from @BotFather, "
             "like 123456:ABC-DEF (and 1 more)"),
        ({**VALID, "STAFF_IDS": "1,bob"}, "Configuration error: STAFF_IDS is invalid; expected "
                                          "comma-separated Telegram user ids, like 111,222"),
        ({**VALID, "DATABASE_PATH": "mysql://x"}, "Configuration error: DATABASE_URL is invalid; expected an "
                                                  "SQLite file path, sqlite:///path or postgresql://user@host/database"),
        ({**VALID, "BOT_MODE": "webhook"}, "Configuration error: PUBLIC_URL is missing; expected the https URL "
                                           "where Telegram and vendors reach this bot (needed for webhook mode)"),
        ({**VALID, "REMINDER_LEADS": "2x"}, "Configuration error: REMINDER_LEADS is invalid; expected "
                                            "comma-separated times before a booking, like 24h,2h (or 90m, 1d)"),
    ],
)
def test_errors_are_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                  line: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == line


def test_a_vendor_error_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.vendors.ufirst.config import Settings as UfirstSettings

    monkeypatch.setenv("UFIRST_BASE_URL", "ftp://x")
    with pytest.raises(ValidationError) as caught:
        UfirstSettings()
    assert describe_validation_error(caught.value).startswith("Configuration error: BASE_URL is invalid")


def test_start_up_loads_no_dotenv_without_a_file(tmp_path: Path) -> None:
    """python-dotenv is imported only when there is a .env file to read."""
    code = ("import sys; from bot.config import load_settings; load_settings(); "
            "print('dotenv' in sys.modules, 'pydantic_settings' in sys.modules)")
    env = {"PATH": "/usr/bin:/bin", **VALID}
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True)
    assert run.stdout.split() == ["False", "False"]
    (tmp_path / ".env").write_text("LOG_LEVEL=INFO\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True)
    assert run.stdout.split() == ["True", "False"]
