"""The accounts role: a profile the user links once, through OAuth 2.0.

A vendor playing it keeps people's profiles (name, e-mail, phone, their
company) and lets a user link theirs to the bot, so every flow can offer
those details instead of asking for them. Linking is the authorization code
flow:

1. :meth:`AccountsRole.link_request` builds the URL the user opens, with a
   random ``state`` (and a PKCE verifier where the vendor uses one). The
   caller keeps both bound to the Telegram user, single use, until
   ``expires_at``: checking the state when the user comes back is the
   caller's job, because the caller owns that storage.
2. The vendor sends the user back to the bot's web server with a code; the
   caller checks the state and calls :meth:`AccountsRole.exchange_code`,
   which stores the tokens for that customer (encrypted, on the shared token
   machinery) and answers the linked :class:`Profile`.
3. Tokens are refreshed when needed (:meth:`AccountsRole.refresh` forces
   it); a refused refresh raises :class:`~bot.vendors.errors.AuthFailed`,
   after which the account is unlinked and the user told how to link again.
4. :meth:`AccountsRole.profile` answers the linked profile, or None;
   :meth:`Profile.prefill` gives the booking details it can fill, by
   :data:`~bot.vendors.roles.booking.DetailKind`, so the prefill reaches
   every vendor's flow without naming the provider.
5. :meth:`AccountsRole.unlink` forgets the tokens and the cached profile.

Staff may also search the provider's company directory where the vendor
declares :attr:`Capability.COMPANIES`.
"""

from __future__ import annotations

import abc
from datetime import datetime

from pydantic import SecretStr

from bot.vendors.roles.base import Customer, RoleModel, Vendor
from bot.vendors.roles.booking import DetailKind


class LinkRequest(RoleModel):
    """Where to send the user to link an account, and what to keep until they return."""

    url: str
    state: str
    code_verifier: SecretStr | None = None  # PKCE; None when the vendor uses none
    expires_at: datetime


class Profile(RoleModel):
    """A linked person as the provider knows them; claims it did not send are None."""

    subject: str  # the provider's stable id for this person
    display_name: str | None = None  # as the provider shows it, e.g. with a title
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    organization_id: str | None = None  # the company or agency the person belongs to

    @property
    def full_name(self) -> str | None:
        """First and last name, else the display name: what a desk would call out."""
        parts = [part for part in (self.first_name, self.last_name) if part]
        return " ".join(parts) or self.display_name

    def prefill(self) -> dict[DetailKind, str]:
        """The booking details this profile can offer (the user may still type others)."""
        values: dict[DetailKind, str | None] = {
            "first_name": self.first_name, "last_name": self.last_name,
            "email": self.email, "phone": self.phone,
        }
        return {kind: value for kind, value in values.items() if value}


class Company(RoleModel):
    id: str
    name: str
    short_name: str | None = None
    address: str | None = None  # one line: street, postcode place, country
    phone: str | None = None
    email: str | None = None


class CompanyPage(RoleModel):
    companies: tuple[Company, ...] = ()
    page: int = 0
    more: bool = False  # whether a next page exists


class AccountsRole(Vendor):
    """A vendor where users keep a profile they can link to the bot."""

    @abc.abstractmethod
    async def link_request(self, customer: Customer, redirect_uri: str) -> LinkRequest:
        """A fresh link for ``customer``; ``redirect_uri`` is where the vendor sends them back."""

    @abc.abstractmethod
    async def exchange_code(
        self, customer: Customer, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> Profile:
        """Trade the returned code for tokens, store them for ``customer``, answer the profile."""

    @abc.abstractmethod
    async def refresh(self, customer: Customer) -> None:
        """Renew the customer's tokens now; AuthFailed when the vendor refuses."""

    @abc.abstractmethod
    async def profile(self, customer: Customer) -> Profile | None:
        """The linked profile; None when the customer linked no account."""

    @abc.abstractmethod
    async def unlink(self, customer: Customer) -> None:
        """Forget the customer's tokens and profile; nothing linked is not an error."""

    async def forget_customer(self, customer: Customer) -> None:
        """A person forgotten is unlinked: their tokens and cached profile go."""
        await self.unlink(customer)

    async def find_companies(self, query: str, page: int = 0) -> CompanyPage:
        """Staff: search the directory; only where :attr:`Capability.COMPANIES` is declared."""
        raise NotImplementedError(f"{self.name} has no company directory")
