"""Benchmark: cost of the ops create and list requests as the restaurant's history grows.

Runs against a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL is set),
seeds N bookings and customers of history (plus the same 50 for today), then times real
requests through Django's test client (middleware, auth, DRF, the pipeline, the outbox row).
The send task is published to Celery's in-memory broker and not run, as in production where a
worker sends it after the request.
The list call asks for today's bookings (a page of 50), as the board and integrations do.
Prints one row per size with the median and p95 latency, the SQL query count and the ratio of the
median to the smallest size: flat ratios and a constant query count mean the request does not
grow with the data.

    .venv/bin/python bench/bench_ops.py                 # sizes 100, 1000, 10000
    .venv/bin/python bench/bench_ops.py --sizes 100 20000 --repeat 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

TODAY_BOOKINGS = 50  # the same page for every size: only the history grows


def _seed(restaurant, count: int) -> None:
    """`count` bookings spread over the past year and the next, none today, plus 50 today."""
    from bookings.models import Booking, Customer

    tz = restaurant.tz
    today = dt.datetime.now(tz).date()
    count += TODAY_BOOKINGS
    customers = [
        Customer(restaurant=restaurant, full_name=f"Guest {i}", email=f"g{i}@bench.example", phone=f"+44770{i:07d}")
        for i in range(count)
    ]
    Customer.objects.bulk_create(customers, batch_size=1000)
    start = today - dt.timedelta(days=365)
    rows = []
    for i, customer in enumerate(customers):
        day = today if i < TODAY_BOOKINGS else start + dt.timedelta(days=i % 720)
        if i >= TODAY_BOOKINGS and day == today:
            day += dt.timedelta(days=1)
        at = dt.datetime.combine(day, dt.time(12 + i % 9), tzinfo=tz)
        rows.append(
            Booking(
                restaurant=restaurant,
                customer=customer,
                booking_date=day,
                start_time=at.time(),
                end_time=(at + dt.timedelta(minutes=90)).time(),
                start_at=at,
                end_at=at + dt.timedelta(minutes=90),
                party_size=2,
                booking_type="lunch",
                status="completed" if day < today else "confirmed",
                checked_in_at=at if day < today else None,
                checked_out_at=at + dt.timedelta(minutes=80) if day < today else None,
                customer_name=customer.full_name,
                customer_email=customer.email,
                customer_phone=customer.phone,
                details={"channel": "customer", "providedContact": {"email": True, "phone": True}},
            )
        )
    Booking.objects.bulk_create(rows, batch_size=1000)


def _measure(client, method: str, path: str, body_for, repeat: int) -> tuple[list[float], int]:
    timings, queries = [], 0
    for i in range(repeat):
        kwargs = {"content_type": "application/json", "data": body_for(i)} if method == "post" else {}
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = getattr(client, method)(path, **kwargs)
            timings.append((time.perf_counter() - t0) * 1000)
        if response.status_code not in (200, 201):
            raise SystemExit(f"{method.upper()} {path} answered {response.status_code}: {response.content[:300]!r}")
        queries = max(queries, len(ctx.captured_queries))
    return timings, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    logging.disable(logging.WARNING)  # one log line per request would drown the table
    setup_test_environment()
    from config import celery_app

    celery_app.conf.update(task_always_eager=False, broker_url="memory://localhost/")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from django.contrib.auth import get_user_model
        from django.test import Client

        from restaurants.models import OpeningHours, Restaurant, Table
        from restaurants.services import membership_grant

        rows = []
        for size in args.sizes:
            restaurant = Restaurant.objects.create(
                name=f"Bench {size}", slug=f"bench-{size}", contact_email="hello@bench.example"
            )
            OpeningHours.objects.bulk_create(
                OpeningHours(restaurant=restaurant, weekday=d, opens_at=dt.time(0), closes_at=dt.time(23, 59))
                for d in range(7)
            )
            Table.objects.bulk_create(Table(restaurant=restaurant, name=f"T{i}", max_seats=4) for i in range(8))
            user = get_user_model().objects.create_user(f"bench{size}", password="bench-password-1")
            membership_grant(user=user, restaurant=restaurant, role="host")
            _seed(restaurant, size)
            client = Client()
            client.force_login(user)
            # Days past the seeded history, one per request, so every create finds a free table.
            first_day = dt.datetime.now(restaurant.tz).date() + dt.timedelta(days=400)

            def create_body(i, restaurant=restaurant, first_day=first_day):
                return {
                    "restaurantId": str(restaurant.pk),
                    "date": (first_day + dt.timedelta(days=i)).isoformat(),
                    "time": "19:00",
                    "party": 2,
                    "bookingType": "dinner",
                    "name": f"Walk In {uuid.uuid4().hex[:6]}",
                }

            create, create_q = _measure(client, "post", "/api/ops/bookings", create_body, args.repeat)
            day = dt.datetime.combine(dt.date.today(), dt.time(0), tzinfo=restaurant.tz)
            window = urlencode(
                {"restaurantId": restaurant.pk, "from": day.isoformat(), "to": (day + dt.timedelta(days=1)).isoformat()}
            )
            listing, list_q = _measure(client, "get", f"/api/ops/bookings?{window}&pageSize=50", None, args.repeat)
            rows.append((size, create, create_q, listing, list_q))

        base_c = statistics.median(rows[0][1])
        base_l = statistics.median(rows[0][3])
        print(f"database: {connection.vendor}; {args.repeat} requests per cell; times in ms")
        header = f"{'existing':>9} | {'create p50':>10} {'p95':>7} {'SQL':>4} {'ratio':>6} | "
        header += f"{'list p50':>9} {'p95':>7} {'SQL':>4} {'ratio':>6}"
        print(header)
        print("-" * len(header))
        for size, create, cq, listing, lq in rows:
            c50, l50 = statistics.median(create), statistics.median(listing)
            c95 = statistics.quantiles(create, n=20)[-1]
            l95 = statistics.quantiles(listing, n=20)[-1]
            print(
                f"{size:>9} | {c50:>10.1f} {c95:>7.1f} {cq:>4} {c50 / base_c:>6.2f} | "
                f"{l50:>9.1f} {l95:>7.1f} {lq:>4} {l50 / base_l:>6.2f}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
