"""The floor's steps (`floor.py`), in their order; no Django here, so bench/http.py can check them."""

from __future__ import annotations

FLOOR_STEPS = ("auth", "throttle", "key", "lock", "day", "customer", "outbox", "history", "publish")


def parse_steps(text: str) -> tuple[str, ...]:
    """The steps a comma-separated list names, in their order; ValueError for a name that is not one."""
    named = {part.strip() for part in text.split(",")} - {""}
    if unknown := named - set(FLOOR_STEPS):
        raise ValueError(f"unknown floor steps {sorted(unknown)}; the steps are {','.join(FLOOR_STEPS)}")
    if "publish" in named and "outbox" not in named:
        raise ValueError("the floor step publish sends the outbox row: it needs outbox too")
    return tuple(step for step in FLOOR_STEPS if step in named)
