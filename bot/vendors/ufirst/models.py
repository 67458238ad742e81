"""The ufirst JSON payloads as pydantic models.

Field names follow Python style; aliases carry ufirst's camelCase. Unknown
fields are ignored so additions on ufirst's side never break parsing, and
everything the documentation does not show as always present is optional.
The same models serialise requests (``model_dump(by_alias=True)``) and are
used by the simulator to build its answers, so both sides agree on shapes.
"""

from __future__ import annotations

from datetime import datetime, time

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


def parse_hhmm(value: str) -> time:
    """``"1000"`` (ufirst's ``startTimeISO8601``) as a time; ``"10:00"`` also accepted."""
    digits = value.replace(":", "").strip()
    if not digits.isdigit() or len(digits) not in (3, 4):
        raise ValueError(f"not an HHMM time: {value!r}")
    digits = digits.zfill(4)
    return time(int(digits[:2]), int(digits[2:]))


def format_hhmm(value: time) -> str:
    return f"{value.hour:02d}{value.minute:02d}"


class GeoPoint(_Model):
    latitude: float
    longitude: float
    name: str | None = None


class BusinessDay(_Model):
    """Opening hours of one weekday.

    ``weekday`` is taken as ISO (1 = Monday .. 7 = Sunday); 0 is also read as
    Sunday, as in the Sunday-first convention, which agrees on 1..6.
    """

    weekday: int
    start: str = Field(alias="startTimeISO8601")
    end: str = Field(alias="endTimeISO8601")

    @property
    def iso_weekday(self) -> int:
        return 7 if self.weekday == 0 else self.weekday

    def contains(self, moment: time) -> bool:
        return parse_hhmm(self.start) <= moment < parse_hhmm(self.end)


class OrganizationInfo(_Model):
    id: str
    name: str
    full_name: str | None = Field(None, alias="fullName")
    header_image_url: str | None = Field(None, alias="headerImageURL")
    logo_url: str | None = Field(None, alias="logoURL")


class Timeslot(_Model):
    start: str = Field(alias="startTimeISO8601")
    max_party_size: int = Field(0, alias="maxPartySize")


class ResourceAvailability(_Model):
    resource_id: str = Field(alias="resourceID")
    resource_name: str | None = Field(None, alias="resourceName")
    timeslots: list[Timeslot] = []


class ReservationParameter(_Model):
    id: str
    label: str | None = None
    placeholder: str | None = None
    regex: str | None = None
    resources_availability: list[ResourceAvailability] = Field(
        default_factory=list, alias="resourcesAvailability"
    )


class PointService(_Model):
    id: str
    name: str
    reservation_parameters: list[ReservationParameter] = Field(
        default_factory=list, alias="reservationParameters"
    )
    is_active: bool = Field(True, alias="isActive")
    is_scheduled: bool = Field(True, alias="isScheduled")

    @property
    def timeslot_parameter(self) -> ReservationParameter | None:
        """The parameter whose value is a resource timeslot.

        The one listing resources; failing that, the one called ``timeslot``.
        """
        for parameter in self.reservation_parameters:
            if parameter.resources_availability:
                return parameter
        for parameter in self.reservation_parameters:
            if parameter.id == "timeslot":
                return parameter
        return None

    @property
    def detail_parameters(self) -> list[ReservationParameter]:
        slot = self.timeslot_parameter
        return [p for p in self.reservation_parameters if slot is None or p.id != slot.id]


class Point(_Model):
    """A point as listed in the organization, or in full from its own endpoint."""

    id: str
    name: str
    category_slug: str | None = Field(None, alias="categorySlug")
    geo_point: GeoPoint | None = Field(None, alias="geoPoint")
    country_slug: str | None = Field(None, alias="countrySlug")
    city_slug: str | None = Field(None, alias="citySlug")
    timezone: str = "UTC"
    is_ufirst_business: bool | None = Field(None, alias="isUfirstBusiness")
    business_days: list[BusinessDay] = Field(default_factory=list, alias="businessDays")
    organization: OrganizationInfo | None = None
    services: list[PointService] = []

    def service(self, service_id: str) -> PointService | None:
        return next((s for s in self.services if s.id == service_id), None)

    def hours(self, iso_weekday: int) -> list[BusinessDay]:
        return [d for d in self.business_days if d.iso_weekday == iso_weekday]


class Organization(OrganizationInfo):
    points: list[Point] = []

    def point(self, point_id: str) -> Point | None:
        return next((p for p in self.points if p.id == point_id), None)


class Reservation(_Model):
    id: str
    label: str | None = None
    created_at: datetime | None = Field(None, alias="createdAtRFC3339")
    point_id: str = Field(alias="pointID")
    service_id: str | None = Field(None, alias="serviceID")
    service_name: str | None = Field(None, alias="serviceName")
    state: str | None = None
    user_id: str | None = Field(None, alias="userID")
    scheduled_at: datetime | None = Field(None, alias="scheduledServingTimeRFC3339")


class SelectedAvailability(_Model):
    resource_id: str = Field(alias="resourceID")
    start: str = Field(alias="timeslotStartTimeRFC3339")


class ParameterValue(_Model):
    parameter_id: str = Field(alias="reservationParameterID")
    value: str | None = Field(None, alias="reservationParameterValue")
    selected_availability: SelectedAvailability | None = Field(
        None, alias="selectedAvailability"
    )


class ReservationRequest(_Model):
    values: list[ParameterValue] = Field(alias="reservationParametersValues")
    notification_channel: str | None = Field(None, alias="notificationChannel")

    def body(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, exclude_none=True)


class Webhook(_Model):
    id: str
    target: str
    url: str
