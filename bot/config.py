"""Configuration from the environment (and an optional ``.env`` file).

Validated once at start: a missing or malformed value stops the bot with one
line naming the variable and what it expects. Secrets are ``SecretStr`` so
they never show in reprs, logs or validation errors. Vendor settings live in
each vendor package (``bot.vendors.<name>.config``) so adding a vendor never
touches this file.
"""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from bot.env_settings import EnvSettings

TELEGRAM_API_URL = "https://api.telegram.org/bot"

# What each variable expects, in the words of the one-line start-up error.
EXPECTED = {
    "TELEGRAM_BOT_TOKEN": "the bot token from @BotFather, like 123456:ABC-DEF",
    "TELEGRAM_API_URL": "a Bot API base URL ending in /bot, like https://api.telegram.org/bot",
    "BOT_SECRET_KEY": "a random secret of at least 16 characters (encrypts stored tokens)",
    "DATABASE_URL": "an SQLite file path, sqlite:///path or postgresql://user@host/database",
    "DATABASE_PATH": "an SQLite file path (DATABASE_URL accepts PostgreSQL too)",
    "STAFF_IDS": "comma-separated Telegram user ids, like 111,222",
    "WEB_PORT": "a TCP port number between 0 and 65535",
    "BOT_MODE": "'polling' or 'webhook'",
    "WEBHOOK_REGISTER": "true or false",
    "PUBLIC_URL": "the https URL where Telegram and vendors reach this bot (needed for webhook mode)",
    "QUEUE_POLL_MIN_SECONDS": "a number of seconds greater than 0, like 5",
    "REMINDER_LEADS": "comma-separated times before a booking, like 24h,2h (or 90m, 1d)",
    "REMINDER_QUIET_HOURS": "a local time range without reminders, like 21:00-08:00 (or off)",
    "BROADCAST_RATE": "messages per second above 0 and at most 30, like 30",
    "BROADCAST_PAID_RATE": "messages per second above 0 and at most 1000, like 1000",
    "BROADCAST_IN_FLIGHT": "a whole number from 1 to 500, like 16",
    "SLOT_WATCH_MIN_SECONDS": "a number of seconds greater than 0, like 30",
    "SLOT_WATCH_MAX_SECONDS": "a number of seconds greater than 0, like 300",
    "SLOT_WATCH_VENDOR_PER_MINUTE": "reads per minute above 0, like 30",
}


class ConfigError(Exception):
    """A configuration value is missing or malformed; ``str()`` is the one line to print."""


class Settings(EnvSettings):
    """The bot's own variables, each named by its alias (see bot.env_settings for the rules)."""

    telegram_bot_token: SecretStr = Field(validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(TELEGRAM_API_URL, validation_alias="TELEGRAM_API_URL")
    telegram_file_url: str | None = Field(None, validation_alias="TELEGRAM_FILE_URL")
    bot_secret_key: SecretStr = Field(validation_alias="BOT_SECRET_KEY")
    # SQLite file path or URL, or a PostgreSQL URL; DATABASE_PATH is its older name.
    # Secret: a PostgreSQL URL may carry a password.
    database_url: SecretStr = Field(
        SecretStr("data/bot.sqlite3"),
        validation_alias=AliasChoices("DATABASE_URL", "DATABASE_PATH"),
    )
    # Lists and times arrive as text (nothing is JSON-decoded): the validators below parse them.
    staff_ids: frozenset[int] = Field(frozenset(), validation_alias="STAFF_IDS")
    web_host: str = Field("127.0.0.1", validation_alias="WEB_HOST")
    web_port: int = Field(8080, ge=0, le=65535, validation_alias="WEB_PORT")
    public_url: str | None = Field(None, validation_alias="PUBLIC_URL")
    mode: Literal["polling", "webhook"] = Field("polling", validation_alias="BOT_MODE")
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")
    # Webhook mode: whether each process that becomes leader (at start, and a standby
    # on takeover) calls setWebhook with PUBLIC_URL and the secret. Off when the
    # operator registers the webhook by other means and the bot must not touch it.
    webhook_register: bool = Field(True, validation_alias="WEBHOOK_REGISTER")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    # The shortest time between two regular snapshots of one queue; the vendor's
    # request budget may stretch it, callbacks and staff calls cut it short.
    queue_poll_min_seconds: float = Field(5.0, gt=0, le=3600, validation_alias="QUEUE_POLL_MIN_SECONDS")
    # How long after start bookings left pending by a crash are settled; a
    # vendor still finishing a request sent just before the crash needs a moment.
    pending_recovery_delay: float = Field(30.0, ge=0, le=3600, validation_alias="PENDING_RECOVERY_DELAY")
    # Off only against a Bot API server without flood limits (the fake one in
    # benchmarks, which compare the bot with a bare echo bot on equal terms).
    telegram_rate_limit: bool = Field(True, validation_alias="TELEGRAM_RATE_LIMIT")
    # how often a watched room is re-read when its vendor does not call back
    space_poll_seconds: float = Field(120.0, gt=0, le=86400, validation_alias="SPACE_POLL_SECONDS")
    # Messages per second the outbox sends at Telegram's free limit (about 30 for the
    # whole bot: a little under it leaves room for the bot's replies), and in paid mode.
    # Reminders go this long before each booking, never in the quiet hours of the
    # booking's site (moved to their end); "off" for none.
    reminder_leads: tuple[timedelta, ...] = Field(
        (timedelta(hours=24), timedelta(hours=2)), validation_alias="REMINDER_LEADS"
    )
    reminder_quiet_hours: tuple[time, time] | None = Field(
        (time(21), time(8)), validation_alias="REMINDER_QUIET_HOURS"
    )
    broadcast_rate: float = Field(30.0, gt=0, le=30, validation_alias="BROADCAST_RATE")
    broadcast_paid_rate: float = Field(1000.0, gt=0, le=1000, validation_alias="BROADCAST_PAID_RATE")
    broadcast_in_flight: int = Field(16, ge=1, le=500, validation_alias="BROADCAST_IN_FLIGHT")
    # "Tell me if a time frees up": a watched day is read after the shortest wait, and
    # each read that finds nothing doubles the wait up to the longest; each vendor is
    # read for watches at most so many times a minute, whatever is watched.
    slot_watch_min_seconds: float = Field(30.0, gt=0, le=86400, validation_alias="SLOT_WATCH_MIN_SECONDS")
    slot_watch_max_seconds: float = Field(300.0, gt=0, le=86400, validation_alias="SLOT_WATCH_MAX_SECONDS")
    slot_watch_vendor_per_minute: float = Field(
        30.0, gt=0, le=6000, validation_alias="SLOT_WATCH_VENDOR_PER_MINUTE"
    )

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        bot_id, _, secret = value.get_secret_value().partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("malformed")
        return value

    @field_validator("bot_secret_key")
    @classmethod
    def _key_length(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("too short")
        return value

    @field_validator("telegram_api_url", "public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/") if value else value

    @field_validator("database_url")
    @classmethod
    def _database_kind(cls, value: SecretStr) -> SecretStr:
        """Only the shape: connecting is the storage's job, at start."""
        url = value.get_secret_value().strip()
        schemes = ("sqlite:///", "postgresql://", "postgres://", "postgresql+asyncpg://")
        if not url or ("://" in url and not url.startswith(schemes)):
            raise ValueError("not an SQLite path or URL, nor a PostgreSQL URL")
        return SecretStr(url)

    @field_validator("staff_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("reminder_leads", mode="before")
    @classmethod
    def _leads(cls, value: object) -> object:
        if isinstance(value, str):
            units = {"m": 1, "h": 60, "d": 1440}
            leads = []
            for part in value.replace(" ", "").lower().split(","):
                if not part or part == "off":
                    continue
                if part[-1] not in units or not part[:-1].isdigit() or int(part[:-1]) <= 0:
                    raise ValueError("malformed")
                leads.append(timedelta(minutes=int(part[:-1]) * units[part[-1]]))
            return tuple(sorted(set(leads), reverse=True))
        return value

    @field_validator("reminder_quiet_hours", mode="before")
    @classmethod
    def _quiet(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.replace(" ", "").replace("–", "-")
            if text.lower() in ("", "off", "none"):
                return None
            start, sep, end = text.partition("-")
            try:
                return (time.fromisoformat(start.zfill(5)), time.fromisoformat(end.zfill(5)))
            except ValueError:
                raise ValueError("malformed") from None
        return value

    @model_validator(mode="after")
    def _webhook_needs_public_url(self) -> "Settings":
        if self.mode == "webhook" and not self.public_url:
            raise PydanticCustomError("missing", "PUBLIC_URL is required in webhook mode", {})
        return self

    @property
    def file_url(self) -> str:
        """The file download base, derived from the API URL when not given."""
        if self.telegram_file_url:
            return self.telegram_file_url.rstrip("/")
        base = self.telegram_api_url
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file"

    @property
    def bot_id(self) -> int:
        return int(self.telegram_bot_token.get_secret_value().split(":", 1)[0])


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings, turning pydantic's report into one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per the brief: the variable and what it expects, no value."""
    first = exc.errors(include_input=False, include_url=False)[0]
    variable = str(first["loc"][0]).upper() if first["loc"] else "configuration"
    if not first["loc"] and "PUBLIC_URL" in first["msg"]:
        variable = "PUBLIC_URL"
    problem = "is missing" if first["type"] == "missing" else "is invalid"
    expected = EXPECTED.get(variable, first["msg"])
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"Configuration error: {variable} {problem}; expected {expected}{more}"


def is_configured() -> bool:
    """Whether a real deployment is configured (else the demo runs)."""
    import os

    if os.environ.get("TELEGRAM_BOT_TOKEN"):
        return True
    env = Path(".env")
    return env.exists() and "TELEGRAM_BOT_TOKEN" in env.read_text(encoding="utf-8")
