"""Scale proof (DESIGN 13): the staff and guest reads and the create at 10,000 and at 1,000,000 bookings.

    .venv/bin/python bench/scale.py                          # or `make bench-scale`; ~10 minutes
    .venv/bin/python bench/scale.py --sizes 100 1000 10000   # quick, no million
    .venv/bin/python bench/scale.py --profile                # plus a cProfile of the ops create

Creates a fresh PostgreSQL database (`tk_bench_scale`, on the server of `--database-url`, default
DATABASE_URL's server or postgres://postgres@127.0.0.1:5432), migrates it, seeds 8 restaurants,
a staff user and 50 bookings today per restaurant (bench/seeding.py), then grows the history to
each size in turn (INSERT ... SELECT ... FROM generate_series: about a minute per million) and
measures, in this process through Django's test client (middleware, auth, DRF, the admin, the
pipeline, the outbox row; the send task is published to Redis and not run, as in production where
a worker sends it after the request):

    ops list     GET /api/ops/bookings today, a page of 50 (token)
    board        GET /admin/bookings/booking/ (the ops board: today at the first restaurant, signed in)
    availability GET /api/restaurants/bench-1/availability today, party 2 (anonymous)
    ops create   POST /api/ops/bookings, a fresh Idempotency-Key, each on a day of its own
    replay       POST /api/ops/bookings again with an earlier key and body
    public create POST /api/bookings, a fresh email

Each request is timed (median, p95), its SQL statements counted, and the table shows the ratio of
the largest size to the smallest. When a ratio exceeds --threshold (1.3), the statements of that
request are compared size by size and the one that grew is shown with EXPLAIN ANALYZE at the
largest size. The app runs with DEBUG off, PostgreSQL, Redis as cache (DB 10) and broker (DB 11),
throttles raised. The database and those Redis DBs are dropped and flushed at the end (also on
Ctrl-C), unless --keep.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import secrets
import signal
import statistics
import sys
import time
import uuid
import zoneinfo
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# bench/http.py would stand in for the standard library's `http` with this folder on sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

DATABASE = "tk_bench_scale"
CACHE_DB, BROKER_DB = 10, 11
RAISED = "1000000/min"
from bench.machine import CpuMeter, postgres_pids, wait_quiet  # noqa: E402

ENDPOINTS = ("ops list", "board", "availability", "ops create", "replay", "public create")
FAR_DAYS = 120  # creates go to days from here on: past the seeded history, so every size finds them empty


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url.replace("postgresql://", "postgres://", 1))
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _configure(args) -> str:
    """Environment for a production-like app in this process; returns the maintenance URL."""
    base = args.database_url or os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
    redis_base = args.redis_url.rstrip("/")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=_with_database(base, DATABASE),
        CACHE_URL=f"{redis_base}/{CACHE_DB}",
        CELERY_BROKER_URL=f"{redis_base}/{BROKER_DB}",
        EMAIL_URL="smtp://127.0.0.1:1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_CSRF_COOKIE_SECURE="false",
        BOOKING_VALIDATION_MODE=args.mode,
        OPS_CREATE_THROTTLE_RATE=RAISED,
        OPS_LIST_THROTTLE_RATE=RAISED,
        PUBLIC_BOOKING_THROTTLE_RATE=RAISED,
        AVAILABILITY_THROTTLE_RATE=RAISED,
        WEB_BOOKINGS_PER_EMAIL_PER_DAY="1000000",
        LOG_LEVEL="WARNING",  # one INFO line per create would drown the table
    )
    return _with_database(base, "postgres")


class QueryLog:
    """Every statement a request issues, with its duration (a connection execute wrapper)."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, object, float]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, (time.perf_counter() - start) * 1000))


class Runner:
    def __init__(self, args, world, today: dt.date, maintenance: str) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        self.args = args
        self.maintenance = maintenance
        self.other_cpu = 0.0
        self.world = world
        self.today = today
        restaurant = world.restaurants[0]
        self.restaurant = restaurant
        self.ops = Client(HTTP_AUTHORIZATION=f"Token {world.token}")
        self.board = Client()
        self.board.force_login(get_user_model().objects.get(username=world.username))
        self.anonymous = Client()
        self.creates = self.phones = 0
        zone = zoneinfo.ZoneInfo(world.timezone)
        midnight = dt.datetime.combine(today, dt.time(0), tzinfo=zone)
        window = {"from": midnight.isoformat(), "to": (midnight + dt.timedelta(days=1)).isoformat()}
        self.list_path = f"/api/ops/bookings?{urlencode({'restaurantId': restaurant['id'], **window, 'pageSize': 50})}"
        self.availability_path = f"/api/restaurants/{restaurant['slug']}/availability?date={today}&party=2"
        self.replay_key = str(uuid.uuid4())
        self.replay_body = self._create_body(day=today + dt.timedelta(days=FAR_DAYS - 1))
        self._post_ops(self.replay_body, self.replay_key, expect=201)

    def _create_body(self, *, day: dt.date | None = None) -> dict:
        if day is None:
            day = self.today + dt.timedelta(days=FAR_DAYS + self.creates)
            self.creates += 1
        body = {
            "restaurantId": self.restaurant["id"],
            "date": day.isoformat(),
            "time": "19:00",
            "party": 2,
            "bookingType": "dinner",
            "name": "Scale Walk-in",
        }
        if self.creates % 2:  # half the creates give contacts (a new guest each), as in bench/http.py
            body |= {"email": f"walkin-{uuid.uuid4().hex[:12]}@guest.example", "phone": self._phone()}
        return body

    def _phone(self) -> str:
        """A valid UK mobile of nobody yet: a phone shared by two guests would join their identities."""
        self.phones += 1
        return f"+44792{self.phones:07d}"

    def _post_ops(self, body: dict, key: str, expect: int):
        response = self.ops.post("/api/ops/bookings", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
        self._check(response, expect, "POST /api/ops/bookings")
        return response

    def _check(self, response, expect: int, what: str) -> None:
        if response.status_code != expect:
            raise SystemExit(f"{what} answered {response.status_code}, not {expect}: {response.content[:400]!r}")

    def request(self, endpoint: str) -> None:
        if endpoint == "ops list":
            self._check(self.ops.get(self.list_path), 200, "ops list")
        elif endpoint == "board":
            self._check(self.board.get("/admin/bookings/booking/"), 200, "board")
        elif endpoint == "availability":
            self._check(self.anonymous.get(self.availability_path), 200, "availability")
        elif endpoint == "ops create":
            self._post_ops(self._create_body(), str(uuid.uuid4()), expect=201)
        elif endpoint == "replay":
            self._post_ops(self.replay_body, self.replay_key, expect=200)
        elif endpoint == "public create":
            day = self.today + dt.timedelta(days=FAR_DAYS + self.creates)
            self.creates += 1
            body = {
                "restaurantSlug": self.restaurant["slug"],
                "date": day.isoformat(),
                "time": "13:00",
                "party": 2,
                "bookingType": "lunch",
                "name": "Scale Guest",
                "email": f"guest-{uuid.uuid4().hex[:12]}@guest.example",
                "phone": self._phone(),
            }
            response = self.anonymous.post(
                "/api/bookings", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
            )
            self._check(response, 201, "public create")

    def measure(self, endpoints) -> dict[str, dict]:
        """Round-robin over the endpoints (background noise spreads evenly), `repeat` rounds."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for _ in range(self.args.warmup):
            for endpoint in endpoints:
                self.request(endpoint)
        results = {e: {"ms": [], "sql": [], "queries": defaultdict(list), "texts": {}} for e in endpoints}
        wait_quiet(self.args.quiet_wait, log=lambda m: print(f"[scale] {m}", file=sys.stderr, flush=True))
        meter = CpuMeter(lambda: {os.getpid()} | postgres_pids(self.maintenance, [DATABASE]))
        meter.start()
        for _ in range(self.args.repeat):
            for endpoint in endpoints:
                log = QueryLog()
                # The count is what django_assert_num_queries counts (BEGIN and COMMIT included); the
                # wrapper times each statement sent through a cursor.
                with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(log):
                    start = time.perf_counter()
                    self.request(endpoint)
                    elapsed = (time.perf_counter() - start) * 1000
                entry = results[endpoint]
                entry["ms"].append(elapsed)
                entry["sql"].append(len(captured.captured_queries))
                for position, (sql, params, ms) in enumerate(log.queries):
                    entry["queries"][position].append(ms)
                    entry["texts"][position] = (sql, params)
        self.other_cpu = meter.stop()
        return results


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def _explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def show_sql(sizes: list[int], measured: dict[int, dict]) -> None:
    """Every statement of each request, with its median time at each size."""
    for endpoint in measured[sizes[0]]:
        print(f"\n== {endpoint}: its statements, median ms at " + ", ".join(f"{size:,}" for size in sizes))
        last = measured[sizes[-1]][endpoint]
        for position in sorted(last["queries"]):
            times = " ".join(
                f"{statistics.median(measured[size][endpoint]['queries'].get(position, [0.0])):7.2f}" for size in sizes
            )
            sql = " ".join(last["texts"][position][0].split())
            print(f"  #{position:<2} {times}  {sql[:140]}")


def report(sizes: list[int], measured: dict[int, dict], threshold: float, explain_all: bool) -> None:
    small, large = sizes[0], sizes[-1]
    print()
    cells = "".join(f" | {f'{size:,} p50':>13} {'p95':>7} {'SQL':>4}" for size in sizes)
    header = f"{'request':<14}{cells} | {'p50 ×':>6} {'p95 ×':>6}"
    print(header)
    print("-" * len(header))
    growing = []
    for endpoint in measured[small]:
        row = f"{endpoint:<14}"
        for size in sizes:
            data = measured[size][endpoint]
            sql = max(data["sql"]) if min(data["sql"]) == max(data["sql"]) else f"{min(data['sql'])}-{max(data['sql'])}"
            row += f" | {statistics.median(data['ms']):>13.1f} {_p95(data['ms']):>7.1f} {sql!s:>4}"
        p50 = statistics.median(measured[large][endpoint]["ms"]) / statistics.median(measured[small][endpoint]["ms"])
        p95 = _p95(measured[large][endpoint]["ms"]) / _p95(measured[small][endpoint]["ms"])
        print(f"{row} | {p50:>6.2f} {p95:>6.2f}")
        if p50 > threshold or explain_all:
            growing.append(endpoint)
    print(
        f"\ntimes in ms; ratio = {large:,} bookings / {small:,} bookings; SQL = statements per request as "
        "django_assert_num_queries counts them (BEGIN and COMMIT of a transaction included)"
    )
    for endpoint in growing:
        print(f"\n== {endpoint}: statements by median time, {small:,} vs {large:,} bookings")
        before, after = measured[small][endpoint], measured[large][endpoint]
        rows = []
        for position, times in after["queries"].items():
            old = statistics.median(before["queries"].get(position, [0.0]))
            rows.append((statistics.median(times) - old, position, old, statistics.median(times)))
        rows.sort(reverse=True)
        for delta, position, old, new in rows[:5]:
            sql = " ".join(after["texts"][position][0].split())
            print(f"  #{position:<2} {old:7.2f} ms -> {new:7.2f} ms  (+{delta:.2f})  {sql[:150]}")
        delta, position, _, _ = rows[0]
        sql, params = after["texts"][position]
        if sql.lstrip().upper().startswith("SELECT"):
            print(f"\n  EXPLAIN ANALYZE of #{position} at {large:,} bookings:\n  {' '.join(sql.split())[:2000]}")
            print("    " + _explain(sql, params).replace("\n", "\n    "))


# Where the time of one request goes: (label, file suffix, function), cumulative time of each (of
# the outermost when several functions match and nest, like DRF's `data`; summed for `as_sql`,
# whose compilers run one after another).
PROFILE_PARTS = [
    ("whole request (test client)", "django/core/handlers/base.py", "get_response"),
    ("DRF initial: auth, permission, throttle", "rest_framework/views.py", "initial"),
    ("  token authentication", "rest_framework/authentication.py", "authenticate"),
    ("  body validation (input serializer)", "rest_framework/serializers.py", "is_valid"),
    ("  throttle (Redis)", "config/throttling.py", "hit"),
    ("  membership check", "opsportal/permissions.py", "has_permission"),
    ("creation pipeline (booking_create)", "bookings/services/creation.py", "booking_create"),
    ("  replay check (key lookup)", "bookings/services/creation.py", "_find_by_key"),
    ("  slot lock + lock_timeout", "bookings/locking.py", "lock_restaurant_day"),
    ("  the day's one read (snapshot)", "bookings/snapshot.py", "day_snapshot"),
    ("  validation (validate_booking)", "bookings/validation.py", "validate_booking"),
    ("  customer upsert", "bookings/services/customers.py", "customer_upsert"),
    ("  history row", "django/db/models/query.py", "create"),
    ("  booking insert + post_save", "bookings/models.py", "save"),
    ("    outbox rows (post_save)", "notifications/services.py", "booking_record_events"),
    ("  commit + on_commit (publish)", "django/db/transaction.py", "__exit__"),
    ("    Celery publish to Redis", "celery/app/task.py", "apply_async"),
    ("response body (representation)", "bookings/serializers.py", "create_answer"),
    ("walk-in log line", "opsportal/events.py", "log_walkin"),
    ("all SQL: waiting on PostgreSQL", "psycopg/connection.py", "wait"),
    ("all SQL: ORM compiling (as_sql)", "django/db/models/sql/compiler.py", "as_sql"),
]


def profile(runner: Runner, endpoint: str, count: int) -> None:
    """cProfile `count` requests; print where one request's time goes, then the busiest functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        runner.request(endpoint)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    whole = None
    print(f"\n== cProfile of {count} x {endpoint}: cumulative time per request (profiler overhead included)")
    for label, suffix, function in PROFILE_PARTS:
        matching = [
            entry[3]
            for (filename, _line, name), entry in stats.stats.items()  # type: ignore[attr-defined]
            if name == function and filename.endswith(suffix)
        ]
        total = sum(matching) if function == "as_sql" else max(matching, default=0.0)
        whole = whole or total
        share = f"{100 * total / whole:5.1f}%" if whole else ""
        print(f"  {label:<42} {1000 * total / count:7.2f} ms  {share}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    print(f"\n== the 20 functions with the most own time over {count} x {endpoint}")
    print(out.getvalue())


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000], help="bookings of history")
    parser.add_argument("--repeat", type=int, default=40, help="measured requests per endpoint and size")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured rounds before each size")
    parser.add_argument("--endpoints", nargs="+", choices=ENDPOINTS, default=list(ENDPOINTS))
    parser.add_argument("--threshold", type=float, default=1.3, help="explain requests whose p50 grew more")
    parser.add_argument("--explain", action="store_true", help="explain the biggest statement of every request")
    parser.add_argument("--show-sql", action="store_true", help="list every statement of each request")
    parser.add_argument("--profile", action="store_true", help="cProfile 100 ops creates at the smallest size")
    parser.add_argument("--mode", choices=["unified", "legacy"], default="unified")
    parser.add_argument("--database-url", help="a PostgreSQL URL whose server gets the database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379", help="Redis server; DBs 10 and 11 are used")
    parser.add_argument("--quiet-wait", type=float, default=60, help="seconds to wait for an idle machine per size")
    parser.add_argument("--keep", action="store_true", help="keep the database (tk_bench_scale) afterwards")
    args = parser.parse_args()
    sizes = sorted(set(args.sizes))

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`&`)
    signal.signal(signal.SIGTERM, _interrupt)
    maintenance = _configure(args)
    import psycopg
    import redis

    def flush_redis() -> None:
        for number in (CACHE_DB, BROKER_DB):
            redis.Redis.from_url(f"{args.redis_url.rstrip('/')}/{number}").flushdb()

    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    flush_redis()
    code = 0
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from bench import seeding

        started = time.monotonic()
        call_command("migrate", verbosity=0)
        world = seeding.seed_world(restaurants=8, booking_window_days=FAR_DAYS + 400)
        seeding.seed_today(per_restaurant=50)
        today = dt.datetime.now(zoneinfo.ZoneInfo(world.timezone)).date()
        runner = Runner(args, world, today, maintenance)
        measured, seeded, other = {}, 0, {}
        for size in sizes:
            t0 = time.monotonic()
            seeding.seed_history(count=size - seeded, first=seeded, future=True)
            seeding.vacuum_analyze()
            seeded = size
            print(
                f"[scale] {seeding.booking_count():,} bookings in the database ({size:,} of history + today's + "
                f"this run's creates); seeded in {time.monotonic() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            measured[size] = runner.measure(args.endpoints)
            other[size] = runner.other_cpu
            if args.profile and size == sizes[0]:
                profile(runner, "ops create", 100)
        print(
            f"\nScale: {connection.vendor} {connection.pg_version // 10000}, {os.cpu_count()} cores, "
            f"{args.repeat} requests per cell after {args.warmup} warm-up rounds, mode {args.mode}; "
            f"8 restaurants, 50 bookings today each; Celery tasks published to Redis, no worker; "
            f"total {time.monotonic() - started:.0f} s"
        )
        print(
            "other CPU (cores used outside this benchmark while measuring): "
            + ", ".join(f"{size:,}: {cores:.2f}" for size, cores in other.items())
        )
        report(sizes, measured, args.threshold, args.explain)
        if args.show_sql:
            show_sql(sizes, measured)
    except KeyboardInterrupt:
        print("[scale] interrupted: tearing down", file=sys.stderr)
        code = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave the database behind
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django never got set up
            pass
        if not args.keep:
            with psycopg.connect(maintenance, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        flush_redis()
    return code


if __name__ == "__main__":
    sys.exit(main())
