"""The per-restaurant-and-date lock that creation, modification and table assignment share, and the
per-restaurant-and-email lock of the web channel's per-email limit.

PostgreSQL: transaction-scoped advisory locks with a short lock_timeout, so a contended slot answers
"try again" instead of hanging. SQLite (the embedded default) runs every atomic block with
`transaction_mode=IMMEDIATE` (config.settings), which already serialises writers, so no lock is
needed there. Order: the day lock, then the email lock (creation is the only holder of the latter).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import OperationalError, connection

from config.errors import Conflict


class LockTimeout(Conflict):
    def __init__(self) -> None:
        super().__init__("The booking slot is busy, try again", code="LOCK_TIMEOUT")


def set_lock_timeout() -> None:
    """Bound every lock wait of the current transaction (advisory and row locks alike)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{settings.BOOKING_LOCK_TIMEOUT_MS}ms"])


def _advisory_lock(name: str, *, bound_wait: bool = True) -> None:
    """A transaction-scoped advisory lock on `name` (PostgreSQL; nothing to do on SQLite).

    `bound_wait=False`: the transaction has already set its lock_timeout (a second lock).
    """
    if connection.vendor != "postgresql":
        return
    if bound_wait:
        set_lock_timeout()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise LockTimeout() from exc
        raise


def lock_restaurant_day(*, restaurant_id, day: date) -> None:
    """Take the slot lock for one restaurant and date; must run inside `transaction.atomic()`."""
    _advisory_lock(f"booking-day:{restaurant_id}:{day}")


def lock_guest_email(*, restaurant_id, email: str) -> None:
    """Serialise the web bookings of one guest email at one restaurant, whatever their dates, so
    concurrent requests cannot all pass the per-email limit (DESIGN 10) before any of them inserts.
    Taken after `lock_restaurant_day`, in the same transaction (whose lock_timeout it keeps)."""
    _advisory_lock(f"booking-email:{restaurant_id}:{email}", bound_wait=False)
