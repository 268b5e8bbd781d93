"""Review requests (DESIGN 11, issue 11 acceptance 2): `review_request_hours` after the visit ended,
only when the restaurant has a `review_url`, only to an email the guest gave."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from bookings.models import Booking
from tests.clock.conftest import london, rows
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)
REVIEWS = "https://reviews.example.com/bistro"


@pytest.fixture
def visit(restaurant, clock):
    """Monday's dinner, over at 21:00 London: the review request is due at midnight."""
    restaurant.review_url = REVIEWS
    restaurant.save()
    return BookingFactory(
        restaurant=restaurant,
        status=Booking.Status.COMPLETED,
        checked_in_at=london(1, 19),
        checked_out_at=london(1, 21),
    )


def test_a_review_is_asked_once_three_hours_after_the_visit(clock, run, visit):
    clock.at(london(2, 0, 0) - MINUTE)
    assert run("review_requests") == 0
    clock.at(london(2, 0, 0))
    assert run("review_requests") == 1
    assert run("review_requests") == 0
    clock.later(hours=5)
    assert run("review_requests") == 0

    (row,) = rows("review_request")
    assert (row.status, row.recipient) == ("sent", visit.customer_email)
    (message,) = mail.outbox
    assert message.subject == f"How was your visit at {visit.restaurant.name}?"
    assert REVIEWS in message.body


def test_the_hours_are_the_restaurants_setting(clock, run, visit):
    visit.restaurant.review_request_hours = 12
    visit.restaurant.save()

    clock.at(london(2, 9, 0) - MINUTE)
    assert run("review_requests") == 0
    clock.at(london(2, 9, 0))
    assert run("review_requests") == 1


@pytest.mark.parametrize(("field", "value"), [("review_url", ""), ("review_request_hours", None)])
def test_no_review_request_without_a_review_url_or_with_blank_hours(clock, run, visit, field, value):
    setattr(visit.restaurant, field, value)
    visit.restaurant.save()

    for hours in (3, 12, 30):
        clock.at(london(1, 21) + dt.timedelta(hours=hours))
        assert run("review_requests") == 0
    assert rows("review_request") == []


def test_a_walk_in_without_an_email_is_not_asked(clock, run, visit):
    Booking.objects.filter(pk=visit.pk).update(
        customer_email=visit.restaurant.contact_email, details={"providedContact": {"email": False, "phone": True}}
    )

    clock.at(london(2, 0, 0))
    assert run("review_requests") == 1
    (row,) = rows("review_request")
    assert row.status == "skipped" and row.last_error.startswith("no guest email")
    assert mail.outbox == []
