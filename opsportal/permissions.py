"""Who may use the ops API (DESIGN 5.2, 7): signed-in members of the restaurant it acts on.

`IsRestaurantMember` asks the view which restaurant a request acts on (`view.acting_restaurant_id`,
None meaning the user's first membership) and refuses anyone who is not a member of it with 403:
an unknown restaurant id gets the same answer, so existence does not leak. The membership it found
is kept on the request (`request.membership`) for the view. Endpoints of one booking are scoped by
their queryset instead (another restaurant's booking is a 404), so they name no restaurant.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from restaurants.selectors import membership_get

NO_RESTAURANT = object()  # the view's answer for an action that is not about one restaurant


class IsRestaurantMember(BasePermission):
    message = "Forbidden"

    def has_permission(self, request, view) -> bool:
        restaurant_id = view.acting_restaurant_id(request)
        if restaurant_id is NO_RESTAURANT:
            return True
        membership = membership_get(user=request.user, restaurant_id=restaurant_id)
        request.membership = membership
        return membership is not None
