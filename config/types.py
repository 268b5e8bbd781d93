"""Type aliases for the services and selectors (`make typecheck`).

Strings, so importing this module loads no model: only mypy resolves the names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# `request.user`: signed in or not. Selectors that take one answer "nothing" for an anonymous user.
RequestUser: TypeAlias = "User | AnonymousUser"
# Who performs a change: a signed-in staff user, recorded in the history, or the system (None: a
# shell call, a task) or an anonymous guest, both recorded as None (`bookings.services.actors`).
Actor: TypeAlias = "User | AnonymousUser | None"
