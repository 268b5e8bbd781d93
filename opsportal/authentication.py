"""How scripts and integrations sign in to the ops API: DRF tokens (DESIGN 7).

`StaffTokenAuthentication` is DRF's `TokenAuthentication` reading the token's user and all their
memberships (with each restaurant) in one query: every ops call needs both, and the membership
check (`opsportal.permissions`) then reads them from the user instead of asking the database again
(DESIGN 13). A token whose user has no membership falls back to DRF's own lookup (and is refused
later with 403).
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from restaurants.models import Membership
from restaurants.selectors import LOADED_MEMBERSHIPS


class StaffTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        memberships = list(
            Membership.objects.select_related("user", "restaurant")
            .filter(user__auth_token__key=key)
            .order_by("created_at", "pk")
        )
        if not memberships:
            return super().authenticate_credentials(key)
        user = memberships[0].user
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        setattr(user, LOADED_MEMBERSHIPS, memberships)
        return user, key
