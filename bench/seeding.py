"""Seed Tablekeeper for the benchmarks: restaurants, a staff user with a token, and booking history.

Runs inside a configured Django process (PostgreSQL only: the history is written with
`INSERT ... SELECT ... FROM generate_series(...)`, about a minute per million bookings on 2 cores).
`bench/http.py` runs it as `python -m bench.seeding ...` against its fresh database and reads the
JSON it prints; `bench/scale.py` imports it.

The world: N restaurants (`bench-1` ... `bench-N`, Europe/London, a contact email, open 12:00-23:00
every day, lunch 12:00-15:00 and dinner 17:00-22:00, 15-minute grid, 30 tables of 1-6 seats), one
staff user who is a host at every one of them, with a DRF token.

The history keeps every model invariant (the database checks them too): each booking sits on one
table at one of four seatings of its day (12:00 and 13:30 lunch for 90 minutes, 17:00 and 19:00
dinner for 120), at most 4 bookings per table and day, so no two overlap on a table; references
are unique (a letter and the booking's number in the reference alphabet); client request ids are
fresh UUIDs; past days hold completed (checked in and out), cancelled and no-show bookings, future
days confirmed (with a live table assignment), pending_allocation, pending and cancelled ones;
lifecycle timestamps match the status (pending_since at creation, confirmed_at when confirmed,
check-in and check-out only where the status has them); every booking has a manage nonce, its
status history from creation on, and its sent `request_received` notification. Customers are
shared by two bookings each.

Days fill at `per_day` bookings per restaurant (default 120: every seating of every table), so more
bookings means a longer history, as a restaurant's grows over time: tomorrow, yesterday, the day
after, the day before, ... up to 89 days ahead, then further back into the past. Today's bookings
are seeded apart (`seed_today`), the same whatever the size of the history.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    # Run as a script, this folder would be on sys.path and bench/http.py would shadow `http`.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

from django.db import DatabaseError, connection, transaction  # noqa: E402

TIMEZONE = "Europe/London"
OPENS, CLOSES = dt.time(12), dt.time(23)
PERIODS = (("lunch", dt.time(12), dt.time(15)), ("dinner", dt.time(17), dt.time(22)))
TABLES = 30
SEATINGS = 4  # per table and day: 12:00, 13:30 (lunch, 90 min), 17:00, 19:00 (dinner, 120 min)
FUTURE_DAYS = 89  # the history's future days: inside the guests' 90-day booking window
STAFF_USERNAME = "bench-staff"
STAFF_PASSWORD = "bench-password-not-secret-1"
BATCH = 200_000


@dataclass
class World:
    restaurants: list[dict]  # {"id", "slug", "name"}
    username: str
    password: str
    token: str
    timezone: str


def seed_world(
    *, restaurants: int = 8, auto_allocate: bool = False, role: str = "host", booking_window_days: int = 90
) -> World:
    """The restaurants, their hours, periods and tables, and the staff user with a token.

    `booking_window_days`: how far ahead guests may book (bench/scale.py's public creates go to
    days past the seeded history, further ahead than the default 90).
    """
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from restaurants.models import OpeningHours, Restaurant, ServicePeriod, Table
    from restaurants.services import membership_grant

    user = get_user_model().objects.create_user(STAFF_USERNAME, f"{STAFF_USERNAME}@bench.example", STAFF_PASSWORD)
    rows = []
    with transaction.atomic():
        for i in range(1, restaurants + 1):
            restaurant = Restaurant.objects.create(
                name=f"Bench {i}",
                slug=f"bench-{i}",
                timezone=TIMEZONE,
                contact_email=f"hello{i}@bench.example",
                contact_phone="+44 20 7946 0000",
                auto_allocate=auto_allocate,
                booking_window_days=booking_window_days,
            )
            OpeningHours.objects.bulk_create(
                OpeningHours(restaurant=restaurant, weekday=d, opens_at=OPENS, closes_at=CLOSES) for d in range(7)
            )
            ServicePeriod.objects.bulk_create(
                ServicePeriod(restaurant=restaurant, name=name, start_time=start, end_time=end)
                for name, start, end in PERIODS
            )
            Table.objects.bulk_create(
                Table(restaurant=restaurant, name=f"T{t:02d}", min_seats=1, max_seats=6) for t in range(1, TABLES + 1)
            )
            membership_grant(user=user, restaurant=restaurant, role=role)
            rows.append({"id": str(restaurant.pk), "slug": restaurant.slug, "name": restaurant.name})
    token = Token.objects.create(user=user)
    return World(rows, STAFF_USERNAME, STAFF_PASSWORD, token.key, TIMEZONE)


def booking_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bookings_booking")
        return cursor.fetchone()[0]


def seed_history(*, count: int, first: int = 0, future: bool = True, per_day: int = SEATINGS * TABLES) -> None:
    """Add `count` bookings of history, numbered from `first` (so a second call continues the first)."""
    if per_day > SEATINGS * TABLES:
        raise ValueError(f"at most {SEATINGS * TABLES} bookings per restaurant and day")
    if future:
        loop = 2 * FUTURE_DAYS
        offset = (
            f"CASE WHEN h.day_idx < {loop} THEN CASE WHEN h.day_idx %% 2 = 0 THEN h.day_idx / 2 + 1 "
            f"ELSE -(h.day_idx / 2 + 1) END ELSE -(h.day_idx - {loop} + {FUTURE_DAYS + 1}) END"
        )
    else:
        offset = "-(h.day_idx + 1)"
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        _insert(first=first + done, count=size, per_day=per_day, prefix="H", offset_sql=offset, kind="guest")
        done += size


def seed_today(*, per_restaurant: int = 50) -> None:
    """`per_restaurant` bookings today at every restaurant, in every status a day has."""
    _insert(
        first=0,
        count=per_restaurant * _restaurant_count(),
        per_day=per_restaurant,
        prefix="T",
        offset_sql="0",
        kind="today",
    )


def vacuum_analyze() -> None:
    """Statistics and the visibility map for the new rows, then a checkpoint: the seeding's dirty pages
    are written now, not by a background checkpoint while the benchmark measures (CHECKPOINT needs a
    superuser or the pg_checkpoint role; without one it is left to PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        with contextlib.suppress(DatabaseError):
            cursor.execute("CHECKPOINT")


def _restaurant_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM restaurants_restaurant")
        return cursor.fetchone()[0]


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Customers' phones by kind of seeded booking, apart from each other and from the +4479... phones
# that bench/wrk/common.lua makes up for new guests.
PHONE_PREFIXES = {"guest": "+4477", "today": "+4478"}

# One row per booking to write, with everything the inserts below need. %(...)s are query params;
# {offset} is the day-offset expression chosen by the caller.
_PLAN = """
CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
WITH r AS (
    SELECT (row_number() OVER (ORDER BY slug) - 1)::int AS idx, id, timezone AS tz, name,
           (SELECT array_agg(t.id ORDER BY t.name) FROM restaurants_table t WHERE t.restaurant_id = rr.id) AS tables
    FROM restaurants_restaurant rr
), h AS (
    SELECT n, r.idx AS r_idx, r.id AS restaurant_id, r.tz, r.name AS restaurant_name, r.tables,
           n / %(restaurants)s AS k,
           (n / %(restaurants)s) / %(per_day)s AS day_idx,
           (n / %(restaurants)s) %% %(per_day)s AS j
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
    JOIN r ON r.idx = n %% %(restaurants)s
), d AS (
    SELECT h.*, {offset} AS day_offset,
           (now() AT TIME ZONE h.tz)::date + ({offset})::int AS booking_date,
           h.j %% 4 AS seating, h.tables[h.j / 4 + 1] AS table_id,
           (h.k / 2) * %(restaurants)s + h.r_idx AS cn
    FROM h
), s AS (
    SELECT d.*,
           CASE d.seating WHEN 0 THEN time '12:00' WHEN 1 THEN time '13:30' WHEN 2 THEN time '17:00'
                ELSE time '19:00' END AS start_time,
           CASE WHEN d.seating < 2 THEN 'lunch' ELSE 'dinner' END AS booking_type,
           CASE WHEN d.seating < 2 THEN interval '90 minutes' ELSE interval '120 minutes' END AS duration,
           CASE WHEN d.day_offset < 0 THEN
                    (ARRAY['completed','completed','completed','completed','completed','completed','completed',
                           'completed','cancelled','no_show'])[(d.n * 7919) %% 10 + 1]
                WHEN d.day_offset > 0 THEN
                    (ARRAY['confirmed','confirmed','confirmed','confirmed','confirmed','confirmed',
                           'pending_allocation','pending_allocation','pending','cancelled'])[(d.n * 7919) %% 10 + 1]
                ELSE (ARRAY['confirmed','confirmed','confirmed','confirmed','confirmed','checked_in',
                            'pending_allocation','pending_allocation','completed','cancelled'])[d.j %% 10 + 1]
           END AS status,
           (ARRAY['web','web','walk-in','phone'])[d.n %% 4 + 1] AS source,
           md5(%(kind)s || '-' || d.cn)::uuid AS customer_id,
           %(kind)s || ' ' || d.cn AS customer_name,
           %(kind)s || d.cn || '@history.example' AS customer_email,
           %(phone_prefix)s || lpad((d.cn %% 100000000)::text, 8, '0') AS customer_phone
    FROM d
), t AS (
    SELECT s.*, (s.booking_date + s.start_time) AT TIME ZONE s.tz AS start_at
    FROM s
), c AS (
    SELECT t.*, t.start_at + t.duration AS end_at,
           LEAST(now() - interval '1 hour', t.start_at - ((1 + t.n %% 30) * interval '1 day')) AS created_at
    FROM t
)
SELECT c.*,
       gen_random_uuid() AS booking_id,
       %(prefix)s || (SELECT string_agg(substr(%(alphabet)s, ((c.n >> (5 * p)) & 31)::int + 1, 1), ''
                                        ORDER BY p DESC)
                      FROM generate_series(0, 8) AS p) AS reference,
       (c.start_time + c.duration)::time AS end_time,
       CASE WHEN c.status IN ('confirmed', 'checked_in', 'completed', 'no_show')
            THEN c.created_at + interval '10 minutes' END AS confirmed_at,
       CASE WHEN c.status IN ('checked_in', 'completed') THEN c.start_at + interval '5 minutes' END AS checked_in_at,
       CASE WHEN c.status = 'completed' THEN c.end_at END AS checked_out_at,
       CASE WHEN c.status = 'no_show' THEN c.end_at + interval '1 hour'
            WHEN c.status = 'cancelled' THEN LEAST(now() - interval '30 minutes', c.created_at + interval '1 day')
       END AS final_at
FROM c
"""

_CUSTOMERS = """
INSERT INTO bookings_customer (id, restaurant_id, full_name, email, phone, marketing_opt_in, notes,
                               created_at, updated_at)
SELECT DISTINCT ON (customer_id) customer_id, restaurant_id, customer_name, customer_email, customer_phone,
       cn %% 5 = 0, '', created_at, created_at
FROM bench_plan ORDER BY customer_id, created_at
ON CONFLICT DO NOTHING
"""

_BOOKINGS = """
INSERT INTO bookings_booking (
    id, reference, restaurant_id, customer_id, booking_date, start_time, end_time, start_at, end_at, party_size,
    booking_type, seating_preference, status, source, customer_name, customer_email, customer_phone, notes,
    marketing_opt_in, idempotency_key, request_fingerprint, client_request_id, details, created_by_id,
    checked_in_at, checked_out_at, pending_since, confirmed_at, manage_nonce, created_at, updated_at)
SELECT booking_id, reference, restaurant_id, customer_id, booking_date, start_time, end_time, start_at, end_at,
       2 + k %% 3, booking_type, 'any', status, source, customer_name, customer_email, customer_phone,
       CASE WHEN n %% 7 = 0 THEN 'Window seat if possible' ELSE '' END,
       false, NULL, '', gen_random_uuid(),
       jsonb_build_object(
           'channel', CASE WHEN source = 'web' THEN 'customer' ELSE 'ops' END,
           'staffId', NULL,
           'providedContact', jsonb_build_object('email', true, 'phone', true),
           'request', jsonb_build_object('ip', '127.0.0.1', 'userAgent', 'bench')),
       NULL, checked_in_at, checked_out_at, created_at, confirmed_at, replace(gen_random_uuid()::text, '-', ''),
       created_at, COALESCE(final_at, checked_out_at, checked_in_at, confirmed_at, created_at)
FROM bench_plan
"""

# The status history: creation, then each step the final status went through.
_HISTORY = """
INSERT INTO bookings_bookingstatuschange (booking_id, from_status, to_status, changed_by_id, changed_at, reason,
                                          metadata)
SELECT booking_id, step.from_status, step.to_status, NULL, step.at, step.reason, step.metadata
FROM bench_plan p
CROSS JOIN LATERAL (VALUES
    (1, '', CASE WHEN p.status = 'pending' THEN 'pending' ELSE 'pending_allocation' END, p.created_at, '',
     '{}'::jsonb, true),
    (2, 'pending_allocation', 'confirmed', p.confirmed_at, '', '{}'::jsonb, p.confirmed_at IS NOT NULL),
    (3, 'confirmed', 'checked_in', p.checked_in_at, '', '{}'::jsonb, p.checked_in_at IS NOT NULL),
    (4, 'checked_in', 'completed', p.checked_out_at, '', '{}'::jsonb, p.status = 'completed'),
    (5, 'confirmed', 'no_show', p.final_at, 'end_of_day', '{}'::jsonb, p.status = 'no_show'),
    (6, CASE WHEN p.status = 'pending' THEN 'pending' ELSE 'pending_allocation' END, 'cancelled', p.final_at, '',
     '{"cancelledBy": "guest"}'::jsonb, p.status = 'cancelled')
) AS step(ord, from_status, to_status, at, reason, metadata, applies)
WHERE step.applies
"""

_ASSIGNMENTS = """
INSERT INTO bookings_tableassignment (booking_id, table_id, assigned_by_id, created_at, released_at)
SELECT booking_id, table_id, NULL, confirmed_at,
       CASE WHEN status = 'completed' THEN checked_out_at WHEN status = 'no_show' THEN final_at END
FROM bench_plan
WHERE status IN ('confirmed', 'checked_in', 'completed', 'no_show')
"""

_NOTIFICATIONS = """
INSERT INTO notifications_notification (booking_id, kind, dedupe_key, recipient, recipient_source, status, attempts,
                                        last_error, provider_message_id, subject, created_at, updated_at, queued_at,
                                        sent_at)
SELECT booking_id, 'request_received', 'created', customer_email, 'guest', 'sent', 1, '', '',
       'Reservation request received – ' || restaurant_name, created_at, created_at + interval '1 minute',
       created_at, created_at + interval '1 minute'
FROM bench_plan
"""


def _insert(*, first: int, count: int, per_day: int, prefix: str, offset_sql: str, kind: str) -> None:
    params = {
        "restaurants": _restaurant_count(),
        "per_day": per_day,
        "first": first,
        "last": first + count - 1,
        "prefix": prefix,
        "alphabet": REFERENCE_ALPHABET,
        "kind": kind,
        "phone_prefix": PHONE_PREFIXES[kind],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_PLAN.format(offset=offset_sql), params)
        for statement in (_CUSTOMERS, _BOOKINGS, _HISTORY, _ASSIGNMENTS, _NOTIFICATIONS):
            cursor.execute(statement, {})


def main() -> None:
    parser = argparse.ArgumentParser(description="Seed a fresh Tablekeeper database for bench/http.py.")
    parser.add_argument("--restaurants", type=int, default=8)
    parser.add_argument("--history", type=int, default=10_000, help="bookings of history (past days only)")
    parser.add_argument("--today", type=int, default=50, help="bookings today per restaurant")
    parser.add_argument("--auto-allocate", action="store_true")
    args = parser.parse_args()
    world = seed_world(restaurants=args.restaurants, auto_allocate=args.auto_allocate)
    seed_history(count=args.history, future=False)
    seed_today(per_restaurant=args.today)
    vacuum_analyze()
    print(json.dumps(asdict(world)))


if __name__ == "__main__":
    main()
