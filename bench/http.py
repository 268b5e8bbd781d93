"""HTTP benchmark (DESIGN 13): Tablekeeper beside a bare Django + DRF anchor, driven by wrk in one run.

    .venv/bin/python bench/http.py                  # or `make bench`; about 7 minutes
    .venv/bin/python bench/http.py --workers 4 --memory
    .venv/bin/python bench/http.py --scenarios create replay --duration 10s

One run creates two fresh PostgreSQL databases (`tk_bench_app`, `tk_bench_anchor`) on the server of
`--database-url` (default: DATABASE_URL's server, else postgres://postgres@127.0.0.1:5432), migrates
and seeds them (bench/seeding.py: 8 restaurants, a staff user with a token, history and 50 bookings
today per restaurant), serves every app with the same gunicorn settings (`-w N --worker-class
sync` on free loopback ports), the way production runs Tablekeeper (DEBUG off, PostgreSQL, Redis
as broker and cache, plain HTTP on loopback, throttles raised out of the way), warms each scenario
up, drives it with wrk (Lua scripts in bench/wrk/), and prints one table:

    (a) ops walk-in create  (b) replay of an existing key  (c) public create   vs the anchor's create
    (d) today's ops list    (e) availability today                             vs the anchor's list
    (f) the floor: not Tablekeeper, but the anchor's create plus only the steps the fixed rules
        require of one, written plainly (bench/anchor/floor.py)                 vs the anchor's create
    (g) ops walk-in create, as (a)                                              vs the floor's create

with requests per second, p50 and p99 latency, non-2xx answers, rows created and the ratios to
each scenario's base. Each scenario and its base run in alternating rounds (`--rounds`, ABBA
order; `--duration` in all per app), so both meet the same background load on a shared machine,
and the table shows how much CPU other processes took meanwhile. `--memory` adds each gunicorn
worker's RSS after 100 and after 10,000 creates (fresh servers). Everything it started (servers,
a `--worker`, databases, Redis DBs 8 and 9) is torn down at the end, on an error, and on Ctrl-C.
Needs PostgreSQL, Redis and wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# This file is named http.py: with its folder first on sys.path it would stand in for the standard
# library's `http` package. Import from the project root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
import zoneinfo  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from urllib.parse import quote, urlencode, urlsplit, urlunsplit  # noqa: E402

from bench.anchor.steps import FLOOR_STEPS, parse_steps  # noqa: E402
from bench.machine import CpuMeter, ProcessCpu, descendants, postgres_pids, wait_quiet  # noqa: E402

try:
    import psycopg
    import redis
except ImportError as missing:  # run with the project's virtualenv, which has both (requirements.txt)
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.executable).resolve() != venv_python.resolve():
        os.execv(str(venv_python), [str(venv_python), *sys.argv])
    raise SystemExit(
        "bench/http.py needs psycopg and redis: run `make test` once (it creates .venv), then `make bench`"
    ) from missing

APP_DB, ANCHOR_DB = "tk_bench_app", "tk_bench_anchor"
APP_ROWS, ANCHOR_ROWS = (APP_DB, "bookings_booking"), (ANCHOR_DB, "anchor_benchbooking")  # rows created
FLOOR_ROWS = (ANCHOR_DB, "anchor_floorbooking")
CACHE_DB, BROKER_DB = 8, 9  # Redis database numbers this benchmark owns (flushed before and after)
RAISED = "1000000/min"
SCENARIOS = ("create", "replay", "public", "list", "availability", "floor", "versus")
LABELS = {
    "anchor_create": "the anchor's create",
    "create": "(a) ops walk-in create",
    "replay": "(b) replay, same key + body",
    "public": "(c) public create",
    "anchor_list": "the anchor's list of 50",
    "list": "(d) today's ops list, 50",
    "availability": "(e) availability today",
    "floor": "(f) the floor: rules, plainly",
    "floor_create": "the floor's create",
    "versus": "(g) ops create vs the floor",
}
BASELINES = {"create": "anchor_create", "replay": "anchor_create", "public": "anchor_create", "floor": "anchor_create"}
BASELINES |= {"list": "anchor_list", "availability": "anchor_list", "versus": "floor_create"}
BASE_NAMES = {"anchor_create": "create", "anchor_list": "list", "floor_create": "floor"}  # the tables' column
TIMEZONE = "Europe/London"  # bench/seeding.py's restaurants


def _slots() -> list[tuple[str, str]]:
    """Starts valid in both validation modes: lunch 12:00-14:45, dinner 17:00-20:30 (ends by 21:55)."""
    lunch = [(f"{12 + m // 60:02d}:{m % 60:02d}", "lunch") for m in range(0, 180, 15)]
    dinner = [(f"{17 + m // 60:02d}:{m % 60:02d}", "dinner") for m in range(0, 211, 15)]
    return lunch + dinner


# --- small helpers ------------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def server_url(explicit: str | None) -> str:
    """The PostgreSQL server to create the databases on (its maintenance database `postgres`)."""
    url = explicit or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return with_database(url.replace("postgresql://", "postgres://", 1), "postgres")


def lua_literal(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_literal(k)}] = {lua_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_literal(v) for v in value) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid Lua string for this data


def duration_seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


@dataclass
class Side:
    """One side of a paired scenario (the scenario's server or its base's), summed over its rounds."""

    requests: int = 0
    seconds: float = 0.0
    non2xx: int = 0
    socket_errors: int = 0
    rows: int | None = None
    statuses: Counter = field(default_factory=Counter)
    slices: list[tuple[float, int]] = field(default_factory=list)  # (latency µs, weight): 1% of a round each
    other_cpu_seconds: float = 0.0  # cores used by other processes x seconds, summed over the rounds
    server_cpu: float = 0.0  # CPU seconds of the app's gunicorn processes, summed over the rounds
    database_cpu: float = 0.0  # CPU seconds of its database's PostgreSQL backends

    def add(self, data: dict, other_cpu: float, server_cpu: float, database_cpu: float) -> None:
        seconds = data["duration_us"] / 1e6
        errors = data["errors"]
        self.requests += data["requests"]
        self.seconds += seconds
        self.non2xx += data["non2xx"]
        self.socket_errors += errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
        self.statuses.update({int(k): v for k, v in data["statuses"].items()})
        self.slices += [(value, data["requests"]) for value in data["slices_us"]]
        self.other_cpu_seconds += other_cpu * seconds
        self.server_cpu += server_cpu
        self.database_cpu += database_cpu

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def other_cpu(self) -> float:
        return self.other_cpu_seconds / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> tuple[float, float]:
        """CPU milliseconds per request: (the server's gunicorn processes, its PostgreSQL backends)."""
        if not self.requests:
            return 0.0, 0.0
        return 1000 * self.server_cpu / self.requests, 1000 * self.database_cpu / self.requests

    def percentile_ms(self, q: float) -> float:
        """The q-quantile of the merged rounds (each round's 1% slices weighted by its requests)."""
        total = sum(weight for _, weight in self.slices)
        if not total:
            return 0.0
        seen = 0
        for value, weight in sorted(self.slices):
            seen += weight
            if seen >= q * total:
                return value / 1000
        return self.slices[-1][0] / 1000


@dataclass
class Pair:
    app: Side
    anchor: Side


# --- the run ------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args) -> None:
        self.args = args
        self.server = server_url(args.database_url)
        self.redis_base = args.redis_url.rstrip("/")
        self.python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
        self.bin = Path(self.python).parent
        self.tmp = Path(tempfile.mkdtemp(prefix="tk-bench-"))
        self.procs: list[subprocess.Popen] = []
        self.servers: dict[int, subprocess.Popen] = {}  # gunicorn by port
        self.database_of: dict[int, str] = {}  # each server's database, by port
        self.databases: list[str] = []
        self.redis_dbs: list[int] = []
        self.results: dict[str, Pair] = {}
        self.config_path = self.tmp / "config.lua"

    # environment of each app
    def app_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(48),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=with_database(self.server, APP_DB),
            CELERY_BROKER_URL=f"{self.redis_base}/{BROKER_DB}",
            CACHE_URL=f"{self.redis_base}/{CACHE_DB}",
            EMAIL_URL="smtp://127.0.0.1:1",  # never reached unless --worker; then it fails and retries
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SESSION_COOKIE_SECURE="false",
            DJANGO_CSRF_COOKIE_SECURE="false",
            BOOKING_VALIDATION_MODE=self.args.mode,
            OPS_CREATE_THROTTLE_RATE=RAISED,
            OPS_LIST_THROTTLE_RATE=RAISED,
            PUBLIC_BOOKING_THROTTLE_RATE=RAISED,
            AVAILABILITY_THROTTLE_RATE=RAISED,
            GUEST_TOKEN_THROTTLE_RATE=RAISED,
            WEB_BOOKINGS_PER_EMAIL_PER_DAY="1000000",
            PYTHONUNBUFFERED="1",
        )
        return env

    def anchor_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="bench.anchor.settings",
            DATABASE_URL=with_database(self.server, ANCHOR_DB),
            PYTHONUNBUFFERED="1",
        )
        return env

    def floor_env(self) -> dict[str, str]:
        """The floor's (bench/anchor/floor.py): the anchor's database, Redis as Tablekeeper uses it."""
        return self.anchor_env() | {
            "DJANGO_SETTINGS_MODULE": "bench.anchor.floor_settings",
            "CELERY_BROKER_URL": f"{self.redis_base}/{BROKER_DB}",  # queue anchor-floor
            "CACHE_URL": f"{self.redis_base}/{CACHE_DB}",  # key prefix anchor
            "FLOOR_STEPS": ",".join(self.args.floor_steps),
        }

    # databases and Redis
    def admin_sql(self, sql: str) -> None:
        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(sql)

    def create_databases(self) -> None:
        for name in (APP_DB, ANCHOR_DB):
            self.admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.admin_sql(f'CREATE DATABASE "{name}"')
            self.databases.append(name)

    def count(self, database: str, table: str) -> int:
        with psycopg.connect(with_database(self.server, database), autocommit=True) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def flush_redis(self) -> None:
        for number in (CACHE_DB, BROKER_DB):
            redis.Redis.from_url(f"{self.redis_base}/{number}").flushdb()
            if number not in self.redis_dbs:
                self.redis_dbs.append(number)

    # processes
    def run(self, argv: list[str], env: dict[str, str], what: str) -> str:
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, argv: list[str], env: dict[str, str], name: str) -> subprocess.Popen:
        logfile = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc.logfile = logfile  # type: ignore[attr-defined]
        proc.name = name  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        proc.logfile.close()  # type: ignore[attr-defined]
        if proc in self.procs:
            self.procs.remove(proc)

    def gunicorn(self, app: str, env: dict[str, str], name: str, database: str) -> tuple[subprocess.Popen, int]:
        port = free_port()
        argv = [
            str(self.bin / "gunicorn"),
            app,
            "-w",
            str(self.args.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ]
        proc = self.start(argv, env, name)
        self.wait_ready(proc, port)
        self.servers[port] = proc
        self.database_of[port] = database
        return proc, port

    def wait_ready(self, proc: subprocess.Popen, port: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"{proc.name} exited with {proc.returncode}:\n{self.tail(proc)}")  # type: ignore[attr-defined]
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/health-of-the-bench")
                conn.getresponse().read()
                conn.close()
                if len(children(proc.pid)) >= self.args.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{proc.name} did not answer within 60 s:\n{self.tail(proc)}")  # type: ignore[attr-defined]

    def tail(self, proc: subprocess.Popen) -> str:
        return (self.tmp / f"{proc.name}.log").read_text(errors="replace")[-3000:]  # type: ignore[attr-defined]

    # set-up
    def prepare(self) -> dict:
        log(f"databases {APP_DB} and {ANCHOR_DB} on {urlsplit(self.server).netloc}; Redis DBs {CACHE_DB}, {BROKER_DB}")
        self.create_databases()
        self.flush_redis()
        app_env, floor_env = self.app_env(), self.floor_env()  # the floor's apps include the anchor's
        log("migrating both databases")
        self.run([self.python, "manage.py", "migrate", "--noinput", "-v0"], app_env, "Tablekeeper migrate")
        self.run([self.python, "-m", "django", "migrate", "--noinput", "-v0"], floor_env, "anchor migrate")
        log(f"seeding: 8 restaurants, {self.args.history} bookings of history, 50 today each")
        seed = [self.python, "-m", "bench.seeding", "--history", str(self.args.history), "--today", "50"]
        if self.args.auto_allocate:
            seed.append("--auto-allocate")
        world = json.loads(self.run(seed, app_env, "seeding").strip().splitlines()[-1])
        self.seed_anchor(world)
        return world

    def seed_anchor(self, world: dict) -> None:
        """The same restaurants' ids, 50 rows today each and the same history size, for the anchor's list;
        a user with a DRF token for the floor (`world["floor_token"]`)."""
        ids = [r["id"] for r in world["restaurants"]]
        with psycopg.connect(with_database(self.server, ANCHOR_DB), autocommit=True) as conn:
            conn.execute(
                """
                INSERT INTO anchor_benchbooking (id, restaurant_id, booking_date, start_time, party_size,
                    customer_name, customer_email, customer_phone, notes, client_request_id, created_at)
                SELECT gen_random_uuid(), (%(ids)s::uuid[])[n %% cardinality(%(ids)s::uuid[]) + 1],
                       CASE WHEN n < %(today)s THEN (now() AT TIME ZONE %(tz)s)::date
                            ELSE (now() AT TIME ZONE %(tz)s)::date - (1 + n / 960)::int END,
                       time '12:00' + (n %% 4) * interval '90 minutes', 2 + n %% 3, 'Guest ' || n,
                       'guest' || n || '@history.example', '+4477' || lpad(n::text, 8, '0'), '',
                       gen_random_uuid(), now()
                FROM generate_series(0, %(total)s - 1) AS n
                """,
                {"ids": ids, "today": 50 * len(ids), "tz": TIMEZONE, "total": 50 * len(ids) + self.args.history},
            )
            conn.execute("VACUUM ANALYZE anchor_benchbooking")
            user_id = conn.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,"
                " is_active, date_joined) VALUES ('!', false, 'floor', '', '', '', false, true, now()) RETURNING id"
            ).fetchone()[0]
            world["floor_token"] = secrets.token_hex(20)
            conn.execute(
                "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, now())",
                (world["floor_token"], user_id),
            )

    def write_config(self, world: dict, replay_key: str, replay_body: str) -> None:
        tz = zoneinfo.ZoneInfo(world["timezone"])
        today = dt.datetime.now(tz).date()
        midnight = dt.datetime.combine(today, dt.time(0), tzinfo=tz)
        window = {"from": midnight.isoformat(), "to": (midnight + dt.timedelta(days=1)).isoformat()}
        token_header = {"Authorization": f"Token {world['token']}"}
        restaurants = world["restaurants"]
        config = {
            "restaurants": [{"id": r["id"], "slug": r["slug"]} for r in restaurants],
            "days": [(today + dt.timedelta(days=d)).isoformat() for d in range(1, 90)],
            "slots": [list(s) for s in _slots()],
            "token": world["token"],
            "floor_token": world["floor_token"],
            "replay": {"key": replay_key, "body": replay_body},
            "lists": {
                "ops_list": {
                    "headers": token_header,
                    "paths": [
                        f"/api/ops/bookings?{urlencode({'restaurantId': r['id'], **window, 'pageSize': 50})}"
                        for r in restaurants
                    ],
                },
                "availability": {
                    "headers": {},
                    "paths": [
                        f"/api/restaurants/{quote(r['slug'])}/availability?date={today.isoformat()}&party=2"
                        for r in restaurants
                    ],
                },
                "anchor_list": {
                    "headers": {},
                    "paths": [
                        f"/bookings?restaurant_id={r['id']}&booking_date={today.isoformat()}" for r in restaurants
                    ],
                },
            },
        }
        self.config_path.write_text("return " + lua_literal(config) + "\n")

    def replay_original(self, world: dict, port: int) -> tuple[str, str]:
        """Create the booking that scenario (b) replays; the same key and body answer it again (200)."""
        key = str(uuid.uuid4())
        tz = zoneinfo.ZoneInfo(world["timezone"])
        body = json.dumps(
            {
                "restaurantId": world["restaurants"][0]["id"],
                "date": (dt.datetime.now(tz).date() + dt.timedelta(days=30)).isoformat(),
                "time": "19:00",
                "party": 2,
                "bookingType": "dinner",
                "seating": "any",
                "name": "Replay Guest",
                "email": "replay@guest.example",
            },
            separators=(",", ":"),
        )
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Token {world['token']}",
            "Idempotency-Key": key,
        }
        for expected in (201, 200):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/api/ops/bookings", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            conn.close()
            if response.status != expected:
                raise SystemExit(f"the replay's original answered {response.status}, not {expected}: {answer[:500]!r}")
        return key, body

    # wrk
    def wrk(self, script: str, port: int, seconds: str, *, extra: list[str] = (), limit: int = 0,
            threads: int | None = None, connections: int | None = None) -> dict:  # fmt: skip
        threads = threads or self.args.threads
        connections = connections or self.args.connections
        argv = [
            self.args.wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}",
            "--timeout",
            "10s",
            "-s",
            str(BENCH / "wrk" / script),
            f"http://127.0.0.1:{port}",
            "--",
            str(self.config_path),
            str(math.ceil(limit / threads) if limit else 0),
            *extra,
        ]
        env = {**os.environ, "LUA_PATH": f"{BENCH / 'wrk'}/?.lua;;"}
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if limit:  # each thread stops at its share; then end wrk's timed run early (it prints as usual)
            stopped = 0
            for line in proc.stderr:
                stopped += line.startswith("BENCH_LIMIT")
                if stopped == threads:
                    time.sleep(1)
                    proc.send_signal(signal.SIGINT)
                    break
        out, err = proc.communicate()
        summary = next(
            (line[len("BENCH_JSON ") :] for line in out.splitlines() if line.startswith("BENCH_JSON ")), None
        )
        if proc.returncode != 0 or summary is None:
            raise SystemExit(f"wrk failed ({proc.returncode}):\n{out}\n{err}")
        return json.loads(summary)

    def measure(self, key: str, app: tuple, anchor: tuple) -> Pair:
        """A scenario and its base in alternating rounds (ABBA), so both meet the same
        background load: `--rounds` rounds of `--duration / --rounds` each, per app.

        `app` and `anchor` are (script, port, extra script arguments, (database, table) or None).
        """
        sides = {"app": (Side(), app), "anchor": (Side(), anchor)}
        for _, (script, port, extra, _table) in sides.values():
            if self.args.warmup > 0:
                self.wrk(script, port, f"{self.args.warmup}s", extra=extra)
        before = {name: self.count(*spec[3]) for name, (_, spec) in sides.items() if spec[3]}
        wait_quiet(self.args.quiet_wait, log=log)
        rounds = self.args.rounds
        seconds = duration_seconds(self.args.duration) / rounds
        log(
            f"{LABELS[key]}: {rounds} rounds each of wrk -t{self.args.threads} -c{self.args.connections} "
            f"-d{seconds:g}s, alternating with {LABELS[BASELINES[key]]}"
        )
        for number in range(rounds):
            order = ["anchor", "app"] if number % 4 in (0, 3) else ["app", "anchor"]
            for name in order:
                side, (script, port, extra, _table) = sides[name]
                database = self.database_of[port]
                meters = (
                    CpuMeter(self.our_pids),
                    ProcessCpu(lambda port=port: descendants(self.servers[port].pid)),
                    ProcessCpu(lambda database=database: postgres_pids(self.server, [database], background=False)),
                )
                for meter in meters:
                    meter.start()
                data = self.wrk(script, port, f"{seconds:g}s", extra=extra)
                side.add(data, *(meter.stop() for meter in meters))
        for name, (side, spec) in sides.items():
            if spec[3]:
                side.rows = self.count(*spec[3]) - before[name]
        pair = Pair(app=sides["app"][0], anchor=sides["anchor"][0])
        self.results[key] = pair
        return pair

    def our_pids(self) -> set[int]:
        pids = {os.getpid()}
        for proc in self.procs:
            pids |= descendants(proc.pid)
        return pids | postgres_pids(self.server, [APP_DB, ANCHOR_DB])

    # the phases
    def scenarios(self, world: dict) -> None:
        wanted = self.args.scenarios
        anchor, anchor_port = self.gunicorn("bench.anchor.wsgi:application", self.anchor_env(), "anchor", ANCHOR_DB)
        app, app_port = self.gunicorn("config.wsgi:application", self.app_env(), "tablekeeper", APP_DB)
        floor = None
        if {"floor", "versus"} & set(wanted):
            floor, floor_port = self.gunicorn("bench.anchor.wsgi:application", self.floor_env(), "floor", ANCHOR_DB)
        if self.args.worker:
            self.start(
                [str(self.bin / "celery"), "-A", "config", "worker", "--loglevel", "WARNING", "--concurrency", "1"],
                self.app_env(),
                "celery",
            )
        key, body = self.replay_original(world, app_port)
        self.write_config(world, key, body)
        baselines = {
            "anchor_create": ("anchor_create.lua", anchor_port, [], ANCHOR_ROWS),
            "anchor_list": ("get.lua", anchor_port, ["anchor_list"], None),
        }
        if floor is not None:
            baselines["floor_create"] = ("floor_create.lua", floor_port, [], FLOOR_ROWS)
        specs = {
            "create": ("ops_create.lua", app_port, [], APP_ROWS),
            "replay": ("replay.lua", app_port, [], APP_ROWS),
            "public": ("public_create.lua", app_port, [], APP_ROWS),
            "list": ("get.lua", app_port, ["ops_list"], None),
            "availability": ("get.lua", app_port, ["availability"], None),
            "floor": baselines.get("floor_create"),  # not Tablekeeper: the floor against the anchor
            "versus": ("ops_create.lua", app_port, [], APP_ROWS),
        }
        for key in SCENARIOS:
            if key in wanted:
                self.measure(key, specs[key], baselines[BASELINES[key]])
        for server in (app, anchor, floor):
            if server is not None:
                self.stop(server)

    def memory(self) -> list[tuple[str, int, int, int, int]]:
        """Fresh servers; each worker's RSS after 100 creates, then after 10,000 (of the whole server)."""
        rows = []
        apps = [
            ("tablekeeper", "config.wsgi:application", self.app_env(), "ops_create.lua", APP_ROWS),
            ("anchor", "bench.anchor.wsgi:application", self.anchor_env(), "anchor_create.lua", ANCHOR_ROWS),
        ]
        for name, app, env, script, table in apps:
            proc, port = self.gunicorn(app, env, f"{name}-memory", table[0])
            start = self.count(*table)
            log(f"memory: {name}, 100 creates on one connection, then up to {self.args.memory_creates:,}")
            self.wrk(script, port, "600s", limit=100, threads=1, connections=1)
            first = {pid: rss_kb(pid) for pid in children(proc.pid)}
            after_first = self.count(*table) - start
            self.wrk(script, port, "3600s", limit=self.args.memory_creates - after_first)
            total = self.count(*table) - start
            for pid, kb in first.items():
                rows.append((name, pid, kb, rss_kb(pid), total))
            self.stop(proc)
        return rows

    def teardown(self) -> None:
        for proc in list(self.procs):
            try:
                self.stop(proc)
            except Exception as exc:  # keep tearing down the rest
                log(f"could not stop {proc.name}: {exc}")  # type: ignore[attr-defined]
        for name in self.databases:
            try:
                self.admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:
                log(f"could not drop {name}: {exc}")
        for number in self.redis_dbs:
            try:
                redis.Redis.from_url(f"{self.redis_base}/{number}").flushdb()
            except Exception as exc:
                log(f"could not flush Redis DB {number}: {exc}")
        if self.args.keep_logs:
            log(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --- output -------------------------------------------------------------------------------------
def versions(bench: Bench) -> str:
    with psycopg.connect(bench.server, autocommit=True) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    django = subprocess.run(
        [bench.python, "-c", "import django, rest_framework as r; print(django.get_version(), r.VERSION)"],
        capture_output=True,
        text=True,
    ).stdout.split()
    return f"PostgreSQL {pg}, Python {platform.python_version()}, Django {django[0]}, DRF {django[1]}"


def measured(results: dict[str, Pair]) -> Iterator[tuple[str, Side, Side, str]]:
    """(scenario, its side, its base's side, the base's name) in table order."""
    for key in SCENARIOS:
        if key in results:
            base = BASE_NAMES[BASELINES[key]]
            yield key, results[key].app, results[key].anchor, base


def print_header(header: str) -> None:
    print(header)
    print("-" * len(header))


def print_table(bench: Bench) -> None:
    args, results = bench.args, bench.results
    worker = (
        "yes: 1 Celery worker (concurrency 1) consumed the tasks beside the app"
        if args.worker
        else "no: tasks were published to Redis and not consumed during the run"
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    print()
    print(
        f"Machine: {os.cpu_count()} cores ({platform.machine()}), {versions(bench)}; load average now {' '.join(load)}"
    )
    print(
        f"wrk -t{args.threads} -c{args.connections}, {args.duration} per app and scenario in {args.rounds} alternating "
        f"rounds (after {args.warmup} s of warm-up each); gunicorn -w {args.workers} --worker-class sync, every "
        f"server; validation mode {args.mode}; auto-allocation {'on' if args.auto_allocate else 'off'}"
    )
    print(f"Celery worker beside the app: {worker}")
    floor_ran = bool({"floor", "versus"} & set(results))
    print(
        f"History: {args.history} bookings + 50 today per restaurant, 8 restaurants; the anchor has as many rows"
        + (" (the floor's table starts empty)" if floor_ran else "")
    )
    if floor_ran:
        steps = ",".join(args.floor_steps) or "none: the anchor's row on the floor's table, in a transaction"
        print(f"Floor steps: {steps}")
    header = (
        f"{'scenario':<29} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7} {'rows':>6} | "
        f"{'base':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} | {'req/s ×':>7} {'p99 ×':>6} | {'other CPU':>9}"
    )
    print()
    print_header(header)
    for key, app, anchor, base in measured(results):
        rows = "-" if app.rows is None else str(app.rows)
        rps_ratio = f"{app.rps / anchor.rps:.2f}" if anchor.rps else ""
        p99_ratio = f"{app.percentile_ms(0.99) / anchor.percentile_ms(0.99):.2f}" if anchor.slices else ""
        print(
            f"{LABELS[key]:<29} {app.rps:>7.1f} {app.percentile_ms(0.5):>7.1f} {app.percentile_ms(0.99):>7.1f} "
            f"{app.non2xx:>7} {rows:>6} | {base:>6} {anchor.rps:>7.1f} {anchor.percentile_ms(0.5):>7.1f} "
            f"{anchor.percentile_ms(0.99):>7.1f} | {rps_ratio:>7} {p99_ratio:>6} | "
            f"{app.other_cpu:>4.2f}/{anchor.other_cpu:<4.2f}"
        )
    print()
    print(
        "Ratios: the scenario / its base, measured in the same alternating rounds; (a)-(c) and (f) against the\n"
        "anchor's create (2 statements), (d)-(e) against its list of 50 rows (2 statements), (g) against the floor's\n"
        "create. (f) is not Tablekeeper: the anchor's create plus only the steps DESIGN's fixed rules require of a\n"
        "create, written plainly (bench/anchor/floor.py, its own server). rows: bookings created during the measured\n"
        "rounds. other CPU: cores used by processes outside the benchmark while the scenario / its base ran\n"
        "(0.00 = a quiet machine; a shared machine slows both sides)."
    )
    print_cpu(results)
    errors = {LABELS[k]: p.app.socket_errors + p.anchor.socket_errors for k, p in results.items()}
    if any(errors.values()):
        print("wrk socket errors (connect/read/write/timeout):", json.dumps(errors))
    odd = {LABELS[k]: dict(p.app.statuses) for k, p in results.items() if p.app.non2xx}
    odd |= {f"base during {LABELS[k]}": dict(p.anchor.statuses) for k, p in results.items() if p.anchor.non2xx}
    if odd:
        print("Answers by status where some were not 2xx:", json.dumps(odd))


def print_cpu(results: dict[str, Pair]) -> None:
    """CPU per request of each side: what the throughput ratio comes from on a CPU-bound machine."""
    print()
    print("CPU per request in ms (utime + stime from /proc over the measured rounds): the server's gunicorn")
    print("processes and its database's PostgreSQL backends (a backend that reconnects mid-round is missed)")
    header = (
        f"{'scenario':<29} {'gunicorn':>8} {'Postgres':>8} {'total':>6} | "
        f"{'base':>6} {'gunicorn':>8} {'Postgres':>8} {'total':>6} | {'total ×':>7}"
    )
    print_header(header)
    for key, app, anchor, base in measured(results):
        ours, theirs = app.cpu_ms, anchor.cpu_ms
        ratio = f"{sum(ours) / sum(theirs):.2f}" if sum(theirs) else ""
        print(
            f"{LABELS[key]:<29} {ours[0]:>8.2f} {ours[1]:>8.2f} {sum(ours):>6.2f} | "
            f"{base:>6} {theirs[0]:>8.2f} {theirs[1]:>8.2f} {sum(theirs):>6.2f} | {ratio:>7}"
        )


def print_memory(rows) -> None:
    print()
    print("Worker RSS (VmRSS) of fresh servers: after the first 100 creates, and at the end (creates: whole server)")
    print_header(
        f"{'app':<12} {'worker pid':>10} {'RSS @100 MiB':>13} {'RSS @end MiB':>13} {'ratio':>6} {'creates':>8}"
    )
    for name, pid, first, last, total in rows:
        print(f"{name:<12} {pid:>10} {first / 1024:>13.1f} {last / 1024:>13.1f} {last / first:>6.2f} {total:>8}")


def floor_steps(text: str) -> tuple[str, ...]:
    try:
        return parse_steps(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def parse_args(argv=None):
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", help="a PostgreSQL URL whose server gets the databases (default: DATABASE_URL's)"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379", help="Redis server; DBs 8 and 9 are used")
    parser.add_argument("--duration", default="20s", help="measured time per app and scenario (default 20s)")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per scenario (default 4)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk per app before each scenario")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * cores + 1,
        help=f"gunicorn -w for every server (default 2 x cores + 1 = {2 * cores + 1})",
    )
    parser.add_argument("--mode", choices=["unified", "legacy"], default="unified", help="BOOKING_VALIDATION_MODE")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument(
        "--floor-steps",
        type=floor_steps,
        default=FLOOR_STEPS,
        help=f"the floor's steps, comma-separated (default all: {','.join(FLOOR_STEPS)}; bench/anchor/floor.py)",
    )
    parser.add_argument("--history", type=int, default=10_000, help="bookings of history seeded (default 10000)")
    parser.add_argument("--auto-allocate", action="store_true", help="restaurants allocate tables on their own")
    parser.add_argument("--worker", action="store_true", help="run a Celery worker beside the app")
    parser.add_argument("--memory", action="store_true", help="also measure worker RSS after 100 and 10,000 creates")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="seconds to wait for an idle machine before each scenario (default 60)",
    )
    parser.add_argument(
        "--memory-creates", type=int, default=10_000, help="creates before the second RSS reading (default 10000)"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (the folder is printed)")
    parser.add_argument("--wrk", default="wrk", help="the wrk binary (default: wrk on PATH)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    found = shutil.which(args.wrk)
    if found is None:
        print(
            f"wrk not found ({args.wrk!r}). Install it: `apt-get install wrk` (Debian/Ubuntu), "
            "`brew install wrk` (macOS), or pass --wrk /path/to/wrk.",
            file=sys.stderr,
        )
        return 2
    args.wrk = found
    bench = Bench(args)

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`&`)
    signal.signal(signal.SIGTERM, terminate)
    code = 0
    try:
        world = bench.prepare()
        bench.scenarios(world)
        print_table(bench)
        if args.memory:
            print_memory(bench.memory())
    except KeyboardInterrupt:
        log("interrupted: tearing down")
        code = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave servers or databases behind
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        bench.teardown()
    return code


if __name__ == "__main__":
    sys.exit(main())
