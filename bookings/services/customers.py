"""Guest identities (DESIGN 3): one Customer per restaurant per email and per phone.

`customer_upsert` is safe under concurrent calls without a read-then-write race: the insert is an
`INSERT ... ON CONFLICT DO NOTHING` (`bulk_create(ignore_conflicts=True)`) against the two unique
constraints, followed by one read of whichever rows own the email or the phone. A concurrent twin's
row is simply found by that read. No savepoint is needed, which keeps the creation pipeline's query
count small.
"""

from __future__ import annotations

import uuid

import phonenumbers
from django.db import IntegrityError, transaction
from django.db.models import Q

from bookings.contacts import is_placeholder_email, is_placeholder_phone, placeholder_email, placeholder_phone
from bookings.models import Customer
from restaurants.models import Restaurant


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
        raise ValueError("Enter a valid phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("Enter a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _identity(value: str, placeholder: str) -> str:
    """Placeholders are stored verbatim; real values are normalised by the caller."""
    return value or placeholder


def customer_upsert(
    *,
    restaurant: Restaurant,
    full_name: str,
    email: str,
    phone: str,
    marketing_opt_in: bool,
    client_request_id: uuid.UUID,
) -> Customer:
    """Find or create the guest identity for this email/phone.

    Rules: the email's customer wins over the phone's (and keeps its phone); a missing email or
    phone becomes the placeholder derived from `client_request_id`; a stored placeholder is filled
    in with a real value the guest now gives, but a real value is never replaced (by a placeholder or
    by another real value: the booking keeps what this guest gave); marketing opt-in is sticky.
    The stored name is kept: the booking records the name given this time.
    """
    email = _identity(normalise_email(email), placeholder_email(client_request_id))
    if is_placeholder_phone(phone):
        phone = phone.strip()
    else:
        phone = _identity(normalise_phone(phone, region=restaurant.country), placeholder_phone(client_request_id))

    new = Customer(
        restaurant=restaurant,
        full_name=full_name.strip(),
        email=email,
        phone=phone,
        marketing_opt_in=marketing_opt_in,
    )
    Customer.objects.bulk_create([new], ignore_conflicts=True)
    owners = list(Customer.objects.filter(Q(email=email) | Q(phone=phone), restaurant=restaurant))
    by_email = next((c for c in owners if c.email == email), None)
    by_phone = next((c for c in owners if c.phone == phone), None)
    # Never None: one of them is the row just inserted or the row its insert conflicted with.
    customer: Customer = by_email or by_phone  # type: ignore[assignment]
    if customer.pk == new.pk:
        return customer

    changed = []
    if marketing_opt_in and not customer.marketing_opt_in:
        customer.marketing_opt_in = True
        changed.append("marketing_opt_in")
    if is_placeholder_email(customer.email) and not is_placeholder_email(email) and by_email is None:
        customer.email = email
        changed.append("email")
    if is_placeholder_phone(customer.phone) and not is_placeholder_phone(phone) and by_phone is None:
        customer.phone = phone
        changed.append("phone")
    if changed:
        try:
            with transaction.atomic():
                customer.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            # A concurrent request claimed the same email/phone first: keep the identity as it was.
            customer.refresh_from_db()
    return customer
