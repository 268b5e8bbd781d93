"""The per-restaurant-and-date lock that creation, modification and table assignment share.

PostgreSQL: transaction-scoped advisory locks under a short lock_timeout, so a contended slot answers
"try again" instead of hanging; the timeout and the locks are one statement (the timeout is set in
a sub-select, which runs before the outer select list takes the locks). The same sub-select makes
the rest of the transaction run its prepared statements on their cached generic plans
(`plan_cache_mode`): the writing paths' statements read by key or by an indexed range, so a plan
made for this request's values is no better, and planning the day's read (nine branches) again
cost PostgreSQL more than running it (DESIGN 13).

SQLite (the embedded default) runs every atomic block with `transaction_mode=IMMEDIATE`
(config.settings), which already serialises writers, so no lock is needed there.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import OperationalError, connection

from config.errors import Conflict


class LockTimeout(Conflict):
    def __init__(self) -> None:
        super().__init__("The booking slot is busy, try again", code="LOCK_TIMEOUT")


def day_lock_key(restaurant_id, day: date) -> str:
    return f"booking-day:{restaurant_id}:{day}"


def lock_restaurant_day(*, restaurant_id, day: date, also: tuple[str, ...] = ()) -> None:
    """Take the slot lock for one restaurant and date, then the locks named in `also` (in that order,
    always after the day's: no two transactions can wait on each other); inside `transaction.atomic()`.

    Bounds every later lock wait of the transaction too (row locks included).
    """
    if connection.vendor != "postgresql":
        return
    keys = [day_lock_key(restaurant_id, day), *also]
    locks = ", ".join("pg_advisory_xact_lock(hashtextextended(%s, 0))" for _ in keys)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {locks} FROM (SELECT set_config('lock_timeout', %s, true), "
                "set_config('plan_cache_mode', 'force_generic_plan', true)) AS bounded",
                [*keys, f"{settings.BOOKING_LOCK_TIMEOUT_MS}ms"],
            )
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise LockTimeout() from exc
        raise
