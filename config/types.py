"""Type aliases for the services and selectors (`make typecheck`).

Strings, so importing this module loads no model: only mypy resolves the names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# `request.user`: signed in or not. Selectors that take one answer "nothing" for an anonymous user.
RequestUser: TypeAlias = "User | AnonymousUser"
# Who performs a change: the signed-in staff user, recorded in the history, or None for the system
# (a guest, a shell call, a task). The services also record an anonymous user as None.
Actor: TypeAlias = "User | None"
