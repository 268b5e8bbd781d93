"""A guest's contacts (DESIGN 3, 5.3, 6): normalising them, placeholders, and who hears about a booking.

Every rule about an email or a phone lives here once:
- `normalise_email` / `normalise_phone`: the stored form. The input serializer calls
  `normalise_phone` to refuse a bad number before anything else (a 400); the creation pipeline calls
  it to store the number.
- Placeholder identities for contactless walk-ins (`walkin+<slug>@system.local`, `000-<slug>`), and
  the one helper that recognises a placeholder address (`is_placeholder_email`), so screens show
  "no email given" and the mailer never sends to `@system.local`.
- `recipient_for`: the one decision of who is told about a booking (`Recipient`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers
from django.db import models

if TYPE_CHECKING:
    from bookings.models import Booking

PLACEHOLDER_DOMAIN = "system.local"
INVALID_PHONE = "Enter a valid phone number."


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def normalise_phone(phone: str | None, *, region: str | None) -> str:
    """A valid phone number as digits with a leading + (E.164); "" for none.

    `region` is the restaurant's country (ISO alpha-2); without one only international numbers
    parse. Raises ValueError for anything that is not a valid number of that region.
    """
    raw = (phone or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(INVALID_PHONE) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(INVALID_PHONE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def placeholder_slug(client_request_id: object) -> str:
    """The first 24 letters and digits of the request's client id."""
    return re.sub(r"[^A-Za-z0-9]", "", str(client_request_id))[:24].lower()


def placeholder_email(client_request_id: object) -> str:
    return f"walkin+{placeholder_slug(client_request_id)}@{PLACEHOLDER_DOMAIN}"


def placeholder_phone(client_request_id: object) -> str:
    return f"000-{placeholder_slug(client_request_id)}"


def is_placeholder_email(email: str | None) -> bool:
    return (email or "").strip().lower().endswith("@" + PLACEHOLDER_DOMAIN)


def is_placeholder_phone(phone: str | None) -> bool:
    return (phone or "").startswith("000-")


def mailable(address: str | None) -> str:
    """The address if mail may go there, else "" (blank, or a placeholder)."""
    address = (address or "").strip()
    return "" if is_placeholder_email(address) else address


class Recipient(models.TextChoices):
    """Who hears about a booking (DESIGN 5.2 `notificationRecipient`, 6 `recipient_source`)."""

    GUEST = "guest"
    RESTAURANT_FALLBACK = "restaurant_fallback", "Restaurant (fallback)"
    NONE = "none"


@dataclass(frozen=True)
class Addressee:
    address: str  # "" for nobody
    source: Recipient


def recipient_for(booking: Booking, *, fallback: str) -> Addressee:
    """The guest's own email if they gave one; else `fallback` (a restaurant address); else nobody.

    A booking stores the guest's email, or, when the guest gave none, the restaurant's contact
    email at the time or a placeholder (5.3). Pass `fallback=booking.customer_email` for what the
    booking itself says (its `notification_recipient`), or the restaurant's current contact email
    for who is mailed now (the send task). Placeholders are never an address.
    """
    if booking.provided_contact.get("email", True) and (guest := mailable(booking.customer_email)):
        return Addressee(guest, Recipient.GUEST)
    if restaurant := mailable(fallback):
        return Addressee(restaurant, Recipient.RESTAURANT_FALLBACK)
    return Addressee("", Recipient.NONE)
