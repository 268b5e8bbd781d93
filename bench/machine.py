"""How busy the machine is apart from the benchmark (Linux /proc), so a table says when it was shared.

`CpuMeter` counts, over one measured run, the CPU time of the whole machine (/proc/stat) less that
of the benchmark's own processes (the servers, wrk, this process, and the PostgreSQL backends of its
databases plus PostgreSQL's own background processes): what is left is other work on the same
cores, reported in cores (0.00 = none; 1.00 = one core's worth taken from the benchmark).
`ProcessCpu` counts the CPU time of named processes over a run (one side's server, its database's
backends). `wait_quiet` waits, for a bounded time, until the machine is nearly idle before a run starts.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def busy_ticks() -> int:
    """CPU ticks spent on anything but idle and iowait, all cores, since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq + steal


def process_ticks() -> dict[int, int]:
    """utime + stime of every live process."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
    return ticks


def children_ticks() -> float:
    """CPU of this process's children that have been waited for (wrk runs), in ticks."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * TICKS


def descendants(pid: int) -> set[int]:
    """`pid` and every process below it."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
    found, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in found:
                found.add(child)
                frontier.append(child)
    return found


def postgres_pids(dsn: str, databases: list[str], *, background: bool = True) -> set[int]:
    """Backends of `databases` and (`background`) PostgreSQL's background processes, which work for
    every database."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s) OR (%s AND backend_type <> 'client backend')",
            [databases, background],
        ).fetchall()
        postmaster = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    pids = {pid for (pid,) in rows}
    pids.discard(postmaster)  # this very connection
    return pids


class CpuMeter:
    """Other processes' CPU during a run: start(), run, stop() -> cores used by everything else."""

    def __init__(self, ours: Callable[[], set[int]]) -> None:
        self.ours = ours

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.busy0 = busy_ticks()
        self.procs0 = process_ticks()
        self.children0 = children_ticks()

    def stop(self) -> float:
        seconds = time.monotonic() - self.t0
        busy = busy_ticks() - self.busy0
        procs = process_ticks()
        mine = sum(procs[p] - self.procs0.get(p, 0) for p in self.ours() if p in procs)
        mine += children_ticks() - self.children0
        return max(0.0, (busy - mine) / TICKS / seconds) if seconds else 0.0


class ProcessCpu:
    """CPU seconds that the processes `pids()` names (at the start or at the end) used over a run:
    start(), run, stop(). A process that exits during the run takes its time with it, so this is a
    lower bound (a PostgreSQL backend closed by CONN_MAX_AGE)."""

    def __init__(self, pids: Callable[[], set[int]]) -> None:
        self.pids = pids

    def start(self) -> None:
        self.pids0 = self.pids()
        self.ticks0 = process_ticks()

    def stop(self) -> float:
        ticks = process_ticks()
        pids = self.pids0 | self.pids()
        return sum(ticks[p] - self.ticks0.get(p, 0) for p in pids if p in ticks) / TICKS


def wait_quiet(limit: float, cores: float = 0.3, log: Callable[[str], None] | None = None) -> float:
    """Wait up to `limit` seconds until the machine uses less than `cores` for a second; returns
    the busy cores of the last second (still above `cores` when the wait ran out)."""
    deadline = time.monotonic() + limit
    announced = False
    while True:
        before = busy_ticks()
        time.sleep(1)
        used = (busy_ticks() - before) / TICKS
        if used < cores or time.monotonic() >= deadline:
            return used
        if log and not announced:
            log(f"machine busy ({used:.2f} cores used by other processes): waiting up to {limit:.0f} s")
            announced = True
