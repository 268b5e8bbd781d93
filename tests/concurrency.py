"""Run real concurrent work against the test database (PostgreSQL tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_concurrently(task: Callable[[int], Any], count: int, *, timeout: float = 60) -> list:
    """Run `task(i)` in `count` threads released at once; each result or raised exception, in order.

    Every thread closes its own connections: one left open would keep the test database busy and
    make its teardown fail.
    """
    start = threading.Barrier(count)
    outcomes: list = [None] * count

    def worker(i: int) -> None:
        try:
            start.wait(timeout=timeout)
            outcomes[i] = task(i)
        except Exception as exc:  # the caller asserts on what each thread got
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
