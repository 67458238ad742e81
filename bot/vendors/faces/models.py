"""Faces payloads, read leniently: the document warns new properties appear
without notice, so every model ignores what it does not know."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class TokenAnswer(_Lenient):
    """The token endpoint's answer (all three grants)."""

    access_token: str = Field(repr=False)
    token_type: str = "bearer"
    expires_in: float = 3599
    refresh_token: str | None = Field(None, repr=False)
    scope: str | None = None
    id_token: str | None = Field(None, repr=False)


class ProfileClaim(_Lenient):
    firstname: str | None = None
    name: str | None = None
    displayname: str | None = None
    phone: str | None = None


class IdClaims(_Lenient):
    """The ID token's documented claims; registered claims are checked by PyJWT."""

    openid: str
    profile: ProfileClaim | None = None
    email: str | None = None
    agencyid: str | None = None


class Contact(_Lenient):
    street: str | None = None
    street2: str | None = None
    zip_code: str | None = Field(None, alias="zipCode")
    place: str | None = None
    country_code: str | None = Field(None, alias="countryCode")
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    email2: str | None = None
    email3: str | None = None

    def one_line(self) -> str | None:
        town = " ".join(p for p in (self.zip_code, self.place) if p)
        parts = [p for p in (self.street, self.street2, town, self.country_code) if p]
        return ", ".join(parts) or None


class CompanyData(_Lenient):
    contact: Contact | None = None


class CompanyProfile(_Lenient):
    """A company as search (with details) and ``GET company/<uuid>`` report it."""

    uuid: str
    name: str
    shortname: str | None = None
    external_nr: str | None = Field(None, alias="externalNr")
    data: CompanyData | None = None

    @property
    def contact(self) -> Contact | None:
        return self.data.contact if self.data else None


class CompanySearch(_Lenient):
    more_results: bool = Field(False, alias="moreResults")
    results: list[CompanyProfile] = []
