"""Settings models filled from the process environment and a ``.env`` file.

Our own small base instead of pydantic-settings: that package costs about
40 ms of import at every start (its cloud, CLI and file sources, and the
typing helpers they need) for the few rules below, which are all the bot's
settings use. ``bot.config`` and every vendor's ``config`` build on
:class:`EnvSettings`; it sits at the bottom of the import graph (it imports
nothing of the bot) so both can.

The rules, as pydantic-settings applied them to our settings:

- A field's value comes from the first of: the keyword arguments, the process
  environment, ``.env`` in the working directory, the field's default. The
  environment wins over ``.env`` so a deployment can override a file.
- Names are case-insensitive. A field is named by its ``validation_alias``
  (a string, or ``AliasChoices`` tried in order, so an older name can stay
  accepted), or else by ``env_prefix`` plus the field name; keyword arguments
  use the alias or the bare field name, without the prefix.
- Values reach the model as the strings they are: nothing is JSON-decoded, so
  a list or duration field parses its text in a ``mode="before"`` validator.
- Defaults are validated like given values; unknown variables are ignored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import AliasChoices, BaseModel, ConfigDict

DEFAULT_ENV_FILE = ".env"


class EnvSettings(BaseModel):
    """A model whose fields are read from variables (see the module's rules).

    ``_env_file`` names the file to read besides the environment, ``None``
    for none (tests that must not see a developer's ``.env``).
    """

    model_config = ConfigDict(extra="ignore", validate_default=True)

    # Put before each field name that has no alias: "UFIRST_" reads base_url from UFIRST_BASE_URL.
    env_prefix: ClassVar[str] = ""

    def __init__(self, *, _env_file: str | Path | None = DEFAULT_ENV_FILE, **values: Any) -> None:
        super().__init__(**gather(type(self), values, _env_file))


def gather(cls: type[EnvSettings], given: dict[str, Any], env_file: str | Path | None) -> dict[str, Any]:
    """The input for ``cls``: one entry per field found, keyed as pydantic validates it.

    The key is the field's first alias (or its name), whichever name supplied the
    value, so an error about DATABASE_PATH's value names DATABASE_URL, the
    current name, as pydantic-settings did.
    """
    sources = (_lowered(given), _lowered(os.environ), read_env_file(env_file))
    data: dict[str, Any] = {}
    for field_name, field in cls.model_fields.items():
        aliases = _alias_names(field.validation_alias)
        key = aliases[0] if aliases else field_name
        given_names = [a.lower() for a in aliases] or [field_name.lower()]
        env_names = [a.lower() for a in aliases] or [(cls.env_prefix + field_name).lower()]
        for source, names in zip(sources, (given_names, env_names, env_names)):
            found = next((name for name in names if name in source), None)
            if found is not None:
                data[key] = source[found]
                break
    return data


def variable_names(env_file: str | Path | None = DEFAULT_ENV_FILE) -> set[str]:
    """The names, lower-cased, of every variable set in the environment or ``env_file``:
    a group of settings none of whose names is here needs no model built to be told
    apart from defaults (the vendor registry skips unconfigured vendors this way)."""
    return set(_lowered(os.environ)) | set(read_env_file(env_file))


def read_env_file(path: str | Path | None) -> dict[str, str | None]:
    """The variables of a dotenv file, names lower-cased; empty when there is no file.

    python-dotenv parses it (quotes, ``export``, comments, ``${VAR}``
    expansion, as before); it is imported only when the file exists, so a
    deployment configured by its environment alone never loads it. A bare
    ``NAME`` line gives ``None``, which the field's validation judges.
    """
    if path is None or not Path(path).is_file():
        return {}
    from dotenv import dotenv_values

    return _lowered(dotenv_values(path, encoding="utf-8"))


def _lowered(variables: Any) -> dict[str, Any]:
    return {str(name).lower(): value for name, value in variables.items()}


def _alias_names(alias: object) -> list[str]:
    if alias is None:
        return []
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices) and all(isinstance(choice, str) for choice in alias.choices):
        return [str(choice) for choice in alias.choices]
    raise TypeError(f"settings support a name or AliasChoices of names as validation_alias, not {alias!r}")
