"""Who acts on a booking: a signed-in staff user, or the system (a shell call, a task, a guest).

Services take an `actor` and record `staff_of(actor)` as the user who made the change, so history
rows and `created_by` never point at an anonymous user.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None


def staff_of(actor: Actor) -> AbstractBaseUser | None:
    """The user to record for `actor`, or None for the system and anonymous guests."""
    return actor if isinstance(actor, AbstractBaseUser) and actor.is_authenticated else None
