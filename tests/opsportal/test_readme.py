"""The README's `manage.py shell` walk-in snippet runs as written (issue 3 acceptance 8)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from bookings.models import Booking
from tests.factories import MembershipFactory, RestaurantFactory, TableFactory, UserFactory

pytestmark = pytest.mark.django_db

SNIPPET = re.compile(r"<!-- walkin-shell:start -->\s*```python\n(?P<code>.*?)```\s*<!-- walkin-shell:end -->", re.S)


def test_readme_shell_snippet_creates_a_walkin_with_the_fallback_email(capsys):
    code = SNIPPET.search((settings.BASE_DIR / "README.md").read_text()).group("code")
    restaurant = RestaurantFactory(slug="demo-kitchen", contact_email="hello@demo-kitchen.example.com")
    TableFactory(restaurant=restaurant, max_seats=4)
    host = UserFactory(username="host")
    MembershipFactory(user=host, restaurant=restaurant, role="host")

    exec(compile(code, "README.md", "exec"), {})

    booking = Booking.objects.get()
    assert booking.customer_email == "hello@demo-kitchen.example.com"
    assert booking.notification_recipient == "restaurant_fallback"
    assert (booking.source, booking.created_by) == ("walk-in", host)
    assert capsys.readouterr().out.split() == [booking.reference, booking.status, booking.customer_email]
