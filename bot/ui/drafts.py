"""What a flow has collected so far, kept in ``user_data`` between steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel

from bot.ui.callbacks import new_flow

M = TypeVar("M", bound=BaseModel)
FLOW = "flow"  # in a draft: the nonce of this run of the flow


class UserDataDraft:
    """What a flow has collected so far, kept under ``KEY`` in ``user_data``.

    Persistence stores user_data as JSON, so a draft holds plain dicts (the
    vendor-neutral models dumped in JSON mode) and turns them back into
    models. Lists shown as buttons are kept too, so a button carries only a
    short index (callback data is limited to 64 bytes) and still means the
    same thing after a restart.
    """

    KEY: ClassVar[str]

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def of(cls, user_data: dict[str, Any] | None, *, new: bool = False) -> Self:
        assert user_data is not None
        if new or cls.KEY not in user_data:
            user_data[cls.KEY] = {FLOW: new_flow()}
        return cls(user_data[cls.KEY])

    @classmethod
    def flow_of(cls, user_data: dict[str, Any] | None) -> str | None:
        """The nonce of the run of this flow the user is in; None when in none.

        Every button of a run carries it (:class:`bot.ui.callbacks.FlowButton`),
        so a button from an ended or earlier run is told apart from today's.
        """
        draft = (user_data or {}).get(cls.KEY)
        return draft.get(FLOW) if isinstance(draft, dict) else None

    @property
    def flow(self) -> str:
        """This run's nonce (given on first use to a draft kept from before nonces)."""
        return self.data.setdefault(FLOW, new_flow())  # type: ignore[no-any-return]

    @classmethod
    def clear(cls, user_data: dict[str, Any] | None) -> None:
        if user_data is not None:
            user_data.pop(cls.KEY, None)

    @property
    def vendor(self) -> str | None:
        return self.data.get("vendor")

    @vendor.setter
    def vendor(self, name: str) -> None:
        self.data["vendor"] = name

    def model(self, name: str, model: type[M]) -> M | None:
        raw = self.data.get(name)
        return model.model_validate(raw) if raw is not None else None

    def set_model(self, name: str, value: BaseModel | None) -> None:
        self.data[name] = value.model_dump(mode="json") if value is not None else None

    def remember(self, name: str, items: Sequence[BaseModel]) -> None:
        self.data[name] = [item.model_dump(mode="json") for item in items]

    def listed(self, name: str, model: type[M]) -> list[M]:
        return [model.model_validate(raw) for raw in self.data.get(name, [])]

    def pick(self, name: str, model: type[M], index: int) -> M | None:
        items = self.data.get(name, [])
        return model.model_validate(items[index]) if 0 <= index < len(items) else None
