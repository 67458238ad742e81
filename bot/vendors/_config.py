"""Base and field types for each vendor's settings.

A vendor reads its own ``<PREFIX>_*`` variables; when its credentials are
absent it is simply disabled, so a deployment enables exactly the vendors it
has contracts with. The annotated types below carry the parsing rules every
vendor needs (blank means unset, URLs must be http(s), lists are
comma-separated) so vendor settings only declare fields.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr

from bot.env_settings import EnvSettings


def _blank_is_none(value: object) -> object:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().rstrip("/")
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("not an http(s) URL")
    return value


def _comma_list(value: object) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or ())  # type: ignore[call-overload]
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


# A text setting where an empty value means "not configured".
OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]
# An http(s) base URL, trailing slash removed; empty stays empty (disables).
HttpUrl = Annotated[str, AfterValidator(_http_url)]
OptionalHttpUrl = Annotated[str | None, BeforeValidator(_blank_is_none), AfterValidator(_http_url)]
# "a,b,c" from the environment, de-duplicated, order kept.
CommaList = Annotated[tuple[str, ...], BeforeValidator(_comma_list)]


def present(secret: SecretStr | None) -> bool:
    """Whether a secret is configured and not blank."""
    return secret is not None and bool(secret.get_secret_value().strip())


class VendorSettings(EnvSettings):
    """One vendor's variables: each subclass sets ``env_prefix`` (``"<PREFIX>_"``)."""

    # <PREFIX>_DEADLINE_SECONDS: the longest one call to this vendor may take,
    # retry included, before the user is told the vendor is slow.
    deadline_seconds: float = Field(7.0, gt=0, le=60)

    @property
    def enabled(self) -> bool:
        """True when every credential the vendor needs is present."""
        raise NotImplementedError
