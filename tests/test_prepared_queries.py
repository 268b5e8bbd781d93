"""`config.queries.PreparedQuery` answers exactly what the ORM query it was built from answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import CharField, DateField, IntegerField, Q, UUIDField

from bookings.models import Booking
from config.queries import PreparedQuery
from tests.factories import BookingFactory, RestaurantFactory

pytestmark = pytest.mark.django_db


def _bookings(v):
    return (
        Booking.objects.filter(
            Q(party_size__gte=v["party"]) | Q(customer_name=v["name"]), restaurant_id=v["restaurant"]
        )
        .filter(booking_date=v["day"])
        .order_by("reference")
        .values_list("reference", "booking_date", "start_at", "party_size")
    )


QUERY = PreparedQuery(_bookings, restaurant=UUIDField(), day=DateField(), party=IntegerField(), name=CharField())


def test_each_call_binds_its_own_values_and_converts_like_the_orm(django_assert_num_queries):
    here, there = RestaurantFactory(), RestaurantFactory()
    day = dt.date(2026, 6, 10)
    for restaurant in (here, there):
        BookingFactory.create_batch(3, restaurant=restaurant, booking_date=day, party_size=2)
        BookingFactory(restaurant=restaurant, booking_date=day, party_size=6, customer_name="Big Table")
        BookingFactory(restaurant=restaurant, booking_date=day + dt.timedelta(days=1), party_size=6)

    for restaurant, party, name in [(here, 4, "nobody"), (there, 1, "x"), (here, 9, "Big Table")]:
        values = {"restaurant": restaurant.pk, "day": day, "party": party, "name": name}
        with django_assert_num_queries(1):
            prepared = QUERY.rows(**values)
        assert prepared == list(_bookings(values))
        assert prepared and all(isinstance(start, dt.datetime) and start.tzinfo for _, _, start, _ in prepared)
