"""Benchmark: the cost of a `run_scheduled` pass with nothing due as the booking history grows.

DESIGN 11 and 13: each clock job selects due rows with an index-backed query, so a pass with nothing
due costs the same at 10,000 and at 1,000,000 bookings (within 1.3 times) in a fixed number of SQL
queries per job. This script checks that on PostgreSQL:

1. creates a throwaway test database (`test_<name>` of DATABASE_URL) with ten restaurants;
2. writes a fixed "today" of 200 bookings near now that the jobs read but that are not due
   (requests waiting five minutes, confirmed dinners in the next day confirmed after their
   reminders were due, visits over half an hour ago, last week's no-shows at a restaurant that
   marks them by hand);
3. grows the history to each size with `INSERT ... SELECT generate_series` (minutes, not hours):
   two years of past bookings in every status (including old requests never answered, old
   confirmed and checked-in bookings never closed, which sit in the clock's partial indexes) and
   three months of future ones, then `VACUUM ANALYZE`;
4. runs every job once (anything due is handled then), then times `--repeat` passes of every job
   and counts its SQL statements;
5. prints one row per size with the median and p95 of a whole pass, the per-job medians and SQL
   counts and the ratio to the first size, and the plan of each job's queries at the last size
   (the index each one reads).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tk_clock_bench .venv/bin/python bench/bench_clock.py
    ... bench/bench_clock.py --sizes 10000 100000 1000000 --repeat 50

Not part of the test suite: performance is measured here, never by timed tests (DESIGN 9).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/http.py would stand in for the standard library's `http` with this folder on sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

RESTAURANTS = 10
TODAY_PER_KIND = 50
CHUNK = 250_000
# Each generated row's bucket (i % 100) decides its status and whether it lies in the past or future.
HISTORY_SQL = """
WITH s AS (
    SELECT i, i %% 100 AS b,
        CASE WHEN i %% 100 BETWEEN 75 AND 94 OR i %% 100 IN (98, 99)
            THEN %(now)s::timestamptz + interval '2 days' + ((i * 7919) %% (88 * 1440)) * interval '1 minute'
            ELSE %(now)s::timestamptz - interval '11 days' - ((i * 7919) %% (730 * 1440)) * interval '1 minute'
        END AS start_at
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
), t AS (
    SELECT i, start_at,
        LEAST(start_at - interval '3 days', %(now)s::timestamptz - interval '30 days') AS made_at,
        CASE
            WHEN b < 60 THEN 'completed' WHEN b < 70 THEN 'cancelled' WHEN b < 75 THEN 'no_show'
            WHEN b < 95 THEN 'confirmed' WHEN b = 95 THEN 'pending_allocation' WHEN b = 96 THEN 'confirmed'
            WHEN b = 97 THEN 'checked_in' WHEN b = 98 THEN 'pending' ELSE 'cancelled'
        END AS status
    FROM s
)
INSERT INTO bookings_booking (
    id, reference, restaurant_id, customer_id, booking_date, start_time, end_time, start_at, end_at,
    party_size, booking_type, seating_preference, status, source, customer_name, customer_email,
    customer_phone, notes, marketing_opt_in, idempotency_key, request_fingerprint, client_request_id,
    details, created_by_id, checked_in_at, checked_out_at, pending_since, confirmed_at, manage_nonce,
    created_at, updated_at
)
SELECT
    gen_random_uuid(), 'H' || lpad(upper(to_hex(i)), 9, '0'),
    (%(restaurants)s::uuid[])[1 + i %% %(count)s], (%(customers)s::uuid[])[1 + i %% %(count)s],
    (start_at AT TIME ZONE 'Europe/London')::date, (start_at AT TIME ZONE 'Europe/London')::time,
    ((start_at + interval '90 minutes') AT TIME ZONE 'Europe/London')::time,
    start_at, start_at + interval '90 minutes',
    1 + i %% 6, 'dinner', 'any', status, CASE WHEN i %% 3 = 0 THEN 'walk-in' ELSE 'web' END,
    'History Guest', 'history@bench.example', '', '', false, NULL, '', gen_random_uuid(),
    '{"channel": "customer", "providedContact": {"email": true, "phone": true}}'::jsonb, NULL,
    CASE WHEN status IN ('completed', 'checked_in') THEN start_at END,
    CASE WHEN status = 'completed' THEN start_at + interval '80 minutes' END,
    made_at,
    CASE WHEN status IN ('confirmed', 'completed', 'checked_in', 'no_show') THEN made_at + interval '1 hour' END,
    md5(i::text), made_at, made_at
FROM t
"""


def _setup_restaurants() -> tuple[list, list]:
    from bookings.models import Customer
    from restaurants.models import OpeningHours, Restaurant

    restaurants = Restaurant.objects.bulk_create(
        Restaurant(
            name=f"Clock {n}",
            slug=f"clock-{n}",
            contact_email=f"desk{n}@bench.example",
            review_url="https://reviews.example.com/bench",
            pending_attention_minutes=1440,  # today's requests (waiting 5 minutes) stay not due while timing
        )
        for n in range(RESTAURANTS)
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(restaurant=r, weekday=d, opens_at=dt.time(8), closes_at=dt.time(23))
        for r in restaurants
        for d in range(7)
    )
    customers = Customer.objects.bulk_create(
        Customer(restaurant=r, full_name="History Guest", email="history@bench.example", phone=f"+4477000{n:05d}")
        for n, r in enumerate(restaurants)
    )
    return restaurants, customers


def _seed_today(restaurants, customers, now: dt.datetime) -> None:
    """Rows the jobs read near now that are not due: the same at every size."""
    from bookings.models import Booking
    from restaurants.models import Restaurant

    rows = []

    def add(n: int, start: dt.datetime, status: str, **fields) -> None:
        restaurant, customer = restaurants[n % RESTAURANTS], customers[n % RESTAURANTS]
        local = start.astimezone(restaurant.tz)
        end = start + dt.timedelta(minutes=90)
        rows.append(
            Booking(
                restaurant=restaurant,
                customer=customer,
                booking_date=local.date(),
                start_time=local.time(),
                end_time=end.astimezone(restaurant.tz).time(),
                start_at=start,
                end_at=end,
                party_size=2,
                booking_type="dinner",
                status=status,
                source="web",
                customer_name="Today Guest",
                customer_email=f"today{len(rows)}@bench.example",
                details={"channel": "customer", "providedContact": {"email": True, "phone": True}},
                client_request_id=uuid.uuid4(),
                **fields,
            )
        )

    minute = dt.timedelta(minutes=1)
    Restaurant.objects.filter(pk=restaurants[0].pk).update(auto_no_show=False)
    for n in range(TODAY_PER_KIND):
        # Last week's guests who never came, at the restaurant that marks no-shows by hand: end of day
        # reads them (they are in its window) and leaves them as they are.
        add(0, now - dt.timedelta(days=2) - n * 200 * minute, "confirmed", confirmed_at=now - dt.timedelta(days=12))
        add(n, now + dt.timedelta(days=3) + n * minute, "pending_allocation", pending_since=now - 5 * minute)
        add(n, now + dt.timedelta(hours=4) + n * 20 * minute, "confirmed", confirmed_at=now - minute)
        checked_in = now - dt.timedelta(hours=2)
        add(n, checked_in, "completed", checked_in_at=checked_in, checked_out_at=now - 30 * minute)
    Booking.objects.bulk_create(rows)


def _grow(restaurants, customers, first: int, last: int, now: dt.datetime) -> None:
    params = {
        "now": now,
        "restaurants": [str(r.pk) for r in restaurants],
        "customers": [str(c.pk) for c in customers],
        "count": RESTAURANTS,
    }
    for start in range(first, last + 1, CHUNK):
        stop = min(start + CHUNK - 1, last)
        with connection.cursor() as cursor:
            cursor.execute(HISTORY_SQL, {**params, "first": start, "last": stop})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE bookings_booking")


def _pass(jobs, job_run) -> tuple[dict[str, float], dict[str, int], dict[str, list[str]], int]:
    """One run of every job: ms and SQL statements per job, the SQL itself, rows handled."""
    times, counts, sql, handled = {}, {}, {}, 0
    for name in jobs:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            handled += job_run(name=name)
            times[name] = (time.perf_counter() - started) * 1000
        counts[name] = len(queries)
        sql[name] = [q["sql"] for q in queries.captured_queries]
    return times, counts, sql, handled


def _indexes_read(statement: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    indexes = sorted(set(re.findall(r"[Ii]ndex (?:Only )?Scan(?: Backward)? using (\w+)", plan)))
    indexes += sorted(set(re.findall(r"Bitmap Index Scan on (\w+)", plan)))
    scans = sorted(set(re.findall(r"Seq Scan on (\w+)", plan)))
    return ", ".join(indexes) + (f"; seq scan: {', '.join(scans)}" if scans else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--analyze", action="store_true", help="print each query's EXPLAIN ANALYZE in full")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench_clock seeds with generate_series: set DATABASE_URL to a PostgreSQL database")

    logging.disable(logging.WARNING)  # one line per job run would drown the table
    setup_test_environment()
    from config import celery_app

    celery_app.conf.update(task_always_eager=False, broker_url="memory://localhost/")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from bookings.models import Booking
        from notifications.scheduled import JOBS, job_run

        jobs = list(JOBS)
        now = timezone.now()
        restaurants, customers = _setup_restaurants()
        _seed_today(restaurants, customers, now)
        results, grown, last_sql = [], 0, {}
        for size in sorted(args.sizes):
            started = time.perf_counter()
            _grow(restaurants, customers, grown + 1, size, now)
            grown = size
            seeded = time.perf_counter() - started
            total = Booking.objects.count()
            _times, _counts, _sql, warm_up = _pass(jobs, job_run)  # anything due is handled now
            passes = [_pass(jobs, job_run) for _ in range(args.repeat)]
            assert all(handled == 0 for *_rest, handled in passes), "something became due while timing"
            results.append((size, total, seeded, warm_up, passes))
            last_sql = passes[-1][2]

        print(f"database: {connection.vendor} {connection.pg_version}; {args.repeat} passes per size; times in ms")
        print("a pass = every job once (run_scheduled without --job), nothing due")
        head = f"{'history':>9} {'rows':>9} {'seed s':>7} | {'pass p50':>8} {'p95':>6} {'ratio':>6} | "
        head += " | ".join(f"{name} ms/SQL" for name in jobs)
        print(head)
        print("-" * len(head))
        base = None
        for size, total, seeded, warm_up, passes in results:
            totals = [sum(times.values()) for times, *_ in passes]
            p50, p95 = statistics.median(totals), statistics.quantiles(totals, n=20)[-1]
            base = base or p50
            cells = []
            for name in jobs:
                median = statistics.median(times[name] for times, *_ in passes)
                sql_count = max(counts[name] for _t, counts, *_ in passes)
                cells.append(f"{median:>{len(name) + 1}.2f}/{sql_count:<3}")
            print(
                f"{size:>9} {total:>9} {seeded:>7.1f} | {p50:>8.2f} {p95:>6.2f} {p50 / base:>6.2f} | "
                + " | ".join(cells)
            )
            if warm_up:
                print(f"{'':>9} (the first run handled {warm_up} row(s) that were due; then nothing was)")
        print(f"\nplans at {results[-1][1]} rows (the index each query reads):")
        for name in jobs:
            for statement in last_sql[name]:
                table = re.search(r'FROM "(\w+)"', statement)
                print(f"  {name:<18} {table.group(1) if table else '?':<28} {_indexes_read(statement)}")
                if args.analyze:
                    with connection.cursor() as cursor:
                        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
                        print("\n".join(f"      {row[0]}" for row in cursor.fetchall()))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
