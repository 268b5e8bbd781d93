"""Guest identities (DESIGN 3, 10): one Customer per restaurant per email and per phone.

Two callers, two levels of trust:
- `customer_upsert` (staff channels): merges what a host typed into the identity it finds (fills a
  placeholder, turns marketing consent on).
- `customer_for_guest` (the anonymous web channel): never changes an existing customer and never
  joins one found by phone alone, since anybody can type anybody's phone or email (DESIGN 10).

Both are safe under concurrent calls without a read-then-write race: the insert is an
`INSERT ... ON CONFLICT DO NOTHING RETURNING id` against the two unique constraints, so a new guest
costs one statement, and only when it is refused is the row that holds the email or phone read. No
savepoint is needed, which keeps the creation pipeline's query count small.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from bookings.contacts import is_placeholder_email, is_placeholder_phone, placeholder_email, placeholder_phone
from bookings.models import Customer
from restaurants.models import Restaurant


def _identity(value: str, placeholder: str) -> str:
    """Placeholders are stored verbatim; real values are normalised by the caller."""
    return value or placeholder


def _insert_unless_taken(customer: Customer) -> bool:
    """`INSERT ... ON CONFLICT DO NOTHING RETURNING id`: True when this very row went in.

    One statement tells a new identity from one whose email or phone is already taken (by a row of
    another transaction too, committed or not: the insert waits for it), on PostgreSQL and SQLite.
    """
    meta = Customer._meta
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    values = [field.get_db_prep_save(field.pre_save(customer, True), connection) for field in fields]
    columns = ", ".join(quote(field.column) for field in fields if field.column)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.attname)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone() is not None
    customer._state.adding = not inserted
    return inserted


def customer_upsert(
    *,
    restaurant: Restaurant,
    full_name: str,
    email: str,
    phone: str,
    marketing_opt_in: bool,
    client_request_id: uuid.UUID,
) -> tuple[Customer, bool]:
    """Find or create the guest identity for this email/phone (already normalised, "" for none);
    True when it was created.

    Rules: the email's customer wins over the phone's (and keeps its phone); a missing email or
    phone becomes the placeholder derived from `client_request_id`; a stored placeholder is filled
    in with a real value the guest now gives, but a real value is never replaced (by a placeholder or
    by another real value: the booking keeps what this guest gave); marketing opt-in is sticky.
    The stored name is kept: the booking records the name given this time.
    """
    email = _identity(email, placeholder_email(client_request_id))
    phone = _identity(phone, placeholder_phone(client_request_id))
    new = Customer(
        restaurant=restaurant, full_name=full_name.strip(), email=email, phone=phone, marketing_opt_in=marketing_opt_in
    )
    if _insert_unless_taken(new):
        return new, True
    owners = list(Customer.objects.filter(Q(email=email) | Q(phone=phone), restaurant=restaurant))
    by_email = next((c for c in owners if c.email == email), None)
    by_phone = next((c for c in owners if c.phone == phone), None)
    # Never None: the insert conflicted with one of them.
    customer: Customer = by_email or by_phone  # type: ignore[assignment]

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
    return customer, False


def customer_for_guest(
    *, restaurant: Restaurant, full_name: str, email: str, phone: str, client_request_id: uuid.UUID
) -> tuple[Customer, bool]:
    """The identity of an anonymous booking: the customer its email names, unchanged, or a new one;
    True when it was created.

    A new customer never takes a phone that belongs to another customer (it stores the placeholder
    phone instead; the booking keeps the phone as typed) and starts without marketing consent: a
    consent ticked on the web reaches the customer only through the manage link or from staff.
    """
    for typed_phone in (phone, ""):  # a phone already taken: the placeholder instead
        new = Customer(
            restaurant=restaurant,
            full_name=full_name.strip(),
            email=email,
            phone=typed_phone or placeholder_phone(client_request_id),
        )
        if _insert_unless_taken(new):
            return new, True
        if customer := Customer.objects.filter(restaurant=restaurant, email=email).first():
            return customer, False
    raise IntegrityError("No guest identity could be claimed for this booking")
