"""Who acts on a booking: a signed-in staff user, or the system (a shell call, a task, a guest).

Services take an `actor` (`config.types.Actor`) and record `staff_of(actor)` as the user who made
the change, so history rows and `created_by` never point at an anonymous user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from config.types import Actor


def staff_of(actor: Actor) -> User | None:
    """The user to record for `actor`, or None for the system and anonymous guests."""
    if actor is None or not actor.is_authenticated:
        return None
    return actor
