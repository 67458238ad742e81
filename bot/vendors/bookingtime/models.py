"""The bookingtime Module API payloads we read and send.

Every model ignores fields it does not know, so additions on the vendor side
never break parsing. Field names follow the vendor's camelCase; where the
document does not show a structure (``nameI18nList`` entries, where a message
names a field, the customer's address) several spellings are accepted, see
:mod:`bot.vendors.bookingtime.client`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel


class _Payload(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True,
        defer_build=True,
    )


class Message(_Payload):
    """One entry of ``messageList``: ``{class: MESSAGE, type, text}``."""

    type: str = ""
    text: str = ""
    field: str | None = Field(
        default=None, validation_alias=AliasChoices("field", "property", "propertyPath", "path")
    )

    @property
    def is_error(self) -> bool:
        return self.type.upper() in {"ERROR", "FATAL", "CRITICAL"}


class I18nText(_Payload):
    """A translation: ``{"locale": "en", "content": "Haircut"}`` (or ``language``/``text``)."""

    locale: str = Field(
        default="", validation_alias=AliasChoices("locale", "language", "lang", "languageCode")
    )
    text: str = Field(
        default="", validation_alias=AliasChoices("content", "text", "value", "name")
    )


def pick_translation(default: str, translations: list[I18nText], language: str) -> str:
    """``default`` in ``language`` when a translation exists for it (``en`` matches ``en_GB``)."""
    for item in translations:
        locale = item.locale.replace("_", "-").lower()
        if item.text and (locale == language or locale.split("-")[0] == language):
            return item.text
    return default


class GeoCoordinates(_Payload):
    latitude: float | None = None
    longitude: float | None = None


class Address(_Payload):
    name: str = ""
    extra: str = ""
    street: str = ""
    zip: str = ""
    city: str = ""
    country: str = ""
    geo_coordinates: GeoCoordinates | None = None

    def line(self) -> str | None:
        place = " ".join(part for part in (self.zip, self.city) if part)
        return ", ".join(part for part in (self.street, place) if part) or None


class Price(_Payload):
    price_gross: Decimal | None = None
    tax_rate: Decimal | None = None
    currency: str | None = None
    show_price: bool | None = None


class BookingTemplate(_Payload):
    """A BOOKING_TEMPLATE: what a customer can book, and its rules."""

    id: str
    name: str = ""
    name_i18n_list: list[I18nText] = Field(default_factory=list, alias="nameI18nList")
    description: str | None = None
    description_i18n_list: list[I18nText] = Field(
        default_factory=list, alias="descriptionI18nList"
    )
    location: str | None = None
    duration: int | None = None  # minutes
    price: Price | None = None
    show_price: bool | None = None
    price_gross: Decimal | None = None
    currency: str | None = None
    booking_day_earliest: int = 0  # days from today
    booking_day_latest: int | None = None  # days from today, inclusive
    booking_lead_time: int = 0  # minutes
    address: Address | None = None
    customer_email_required: bool = False
    customer_mobile_required: bool = False
    customer_address_required: bool = False
    appointment_address_required: bool = False
    additional_customer_count_max: int = 0

    @field_validator("name_i18n_list", "description_i18n_list", mode="before")
    @classmethod
    def _list_or_empty(cls, value: Any) -> Any:
        return value if isinstance(value, list) else []

    @field_validator("booking_day_earliest", "booking_lead_time", mode="before")
    @classmethod
    def _zero_if_null(cls, value: Any) -> Any:
        return 0 if value is None else value

    def localized_name(self, language: str) -> str:
        return pick_translation(self.name or self.id, self.name_i18n_list, language)

    def localized_description(self, language: str) -> str | None:
        text = pick_translation(self.description or "", self.description_i18n_list, language)
        return text.strip() or None

    def shown_price(self) -> tuple[Decimal, str] | None:
        """Gross price and currency, unless ``showPrice`` is false or no price is set."""
        price = self.price
        show = self.show_price if self.show_price is not None else (
            price.show_price if price is not None else None)
        if show is False:
            return None
        amount = price.price_gross if price and price.price_gross is not None else self.price_gross
        currency = (price.currency if price and price.currency else None) or self.currency
        if amount is None or not currency:
            return None
        return amount, currency.upper()


class BookingSlot(_Payload):
    id: str
    timestamp: datetime


class SlotRange(_Payload):
    """A slot list: ``rangeStart``, ``rangeEnd``, ``timeZone`` and BOOKING_SLOTs."""

    range_start: datetime | None = None
    range_end: datetime | None = None
    time_zone: str | None = None
    slots: list[BookingSlot] = Field(
        default_factory=list,
        validation_alias=AliasChoices("bookingSlotList", "list", "recordList"),
    )

    @field_validator("slots", mode="before")
    @classmethod
    def _list_or_empty(cls, value: Any) -> Any:
        return value if isinstance(value, list) else []


class Appointment(_Payload):
    """An APPOINTMENT as ``add``, ``show``, ``move`` and ``cancel`` answer it."""

    id: str
    start: datetime | None = None
    end: datetime | None = None
    duration: int | None = None
    name: str | None = None
    customer: dict[str, Any] | None = None
    booking_template_id: str | None = None
    custom_id: str | None = None  # the caller's own id, sent with ``add``
    status: str | None = None
    canceled: bool = Field(default=False, validation_alias=AliasChoices("canceled", "cancelled"))

    @property
    def is_cancelled(self) -> bool:
        return self.canceled or "CANCEL" in (self.status or "").upper()


class CustomerData(_Payload):
    """The ``customer`` of ``appointment/add``; unset fields are not sent."""

    first_name: str
    last_name: str
    email: str | None = None
    mobile: str | None = None
    address: dict[str, str] | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)
