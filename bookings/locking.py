"""The per-restaurant-and-date lock that creation, modification and table assignment share.

PostgreSQL: a transaction-scoped advisory lock with a short lock_timeout, so a contended slot answers
"try again" instead of hanging. SQLite (the embedded default) runs every atomic block with
`transaction_mode=IMMEDIATE` (config.settings), which already serialises writers, so no lock is
needed there.
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


def lock_restaurant_day(*, restaurant_id, day: date) -> None:
    """Take the slot lock for one restaurant and date; must run inside `transaction.atomic()`."""
    if connection.vendor != "postgresql":
        return
    set_lock_timeout()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"booking-day:{restaurant_id}:{day}"]
            )
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise LockTimeout() from exc
        raise
