"""What one request costs the database (DESIGN 13, issue 9 acceptance 3).

Counted as the request issues it in production: token authentication, a real (non-eager) broker so
the send task is published after commit and not run, and no test transaction around it (no
savepoints). The same with no other booking that day and with a thousand.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bookings.locking import lock_restaurant_day
from bookings.models import Booking
from config import celery_app
from tests.builders import RequestBuilder, tomorrow
from tests.factories import BookingFactory, MembershipFactory, TableFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

build = RequestBuilder(day=tomorrow)
OPS_CREATE, REPLAY, PUBLIC_CREATE, AVAILABILITY = 10, 5, 10, 5


@pytest.fixture(autouse=True)
def real_broker(settings):
    """Publish to Kombu's in-memory transport instead of running the task in the request."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def staff_token(restaurant):
    TableFactory.create_batch(4, restaurant=restaurant, max_seats=4)
    user = UserFactory()
    MembershipFactory(user=user, restaurant=restaurant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _fill_the_day(restaurant, count: int) -> None:
    """`count` other bookings that day, at other times (the floor read must not grow with them)."""
    rows = [BookingFactory.build(restaurant=restaurant, booking_date=tomorrow(restaurant)) for _ in range(count)]
    for row in rows:
        row.customer.save()
    Booking.objects.bulk_create(rows)


@pytest.mark.parametrize("others", [0, 1000])
@pytest.mark.parametrize("contacts", [{}, {"email": "new.guest@example.com", "phone": "07911 123457"}])
def test_an_ops_create_and_its_replay(staff_token, restaurant, django_assert_max_num_queries, others, contacts):
    _fill_the_day(restaurant, others)
    body, key = build.ops_body(restaurant, time="12:00", **contacts), str(uuid.uuid4())

    with django_assert_max_num_queries(OPS_CREATE):
        created = staff_token.post("/api/ops/bookings", body, format="json", headers={"Idempotency-Key": key})
    with django_assert_max_num_queries(REPLAY):
        replayed = staff_token.post("/api/ops/bookings", body, format="json", headers={"Idempotency-Key": key})

    assert (created.status_code, replayed.status_code) == (201, 200), created.json()
    assert replayed.json()["duplicate"] is True


@pytest.mark.postgres
def test_postgresql_plans_the_create_path_once_per_connection(staff_token, restaurant):
    """psycopg prepares a statement the fifth time it runs on a connection, so from then on a create
    binds its values to plans PostgreSQL already holds instead of parsing and planning each statement
    again (DESIGN 13; `DATABASE_SERVER_SIDE_BINDING`)."""
    for days in range(6):
        day = (tomorrow(restaurant) + dt.timedelta(days=days)).isoformat()
        body, key = build.ops_body(restaurant, date=day), str(uuid.uuid4())
        response = staff_token.post("/api/ops/bookings", body, format="json", headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.json()

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    for table in ("bookings_booking", "bookings_bookingstatuschange", "notifications_notification"):
        assert any(statement.startswith(f'INSERT INTO "{table}"') for statement in prepared), table


@pytest.mark.postgres
def test_the_slot_lock_plans_the_rest_of_its_transaction_with_generic_plans(restaurant):
    """After the slot lock the writing paths' prepared statements run on their cached generic plans
    (the day's read is not planned again for each request's values); the setting ends with the
    transaction, like the lock and its timeout."""

    def plan_cache_mode() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            return cursor.fetchone()[0]

    with transaction.atomic():
        before = plan_cache_mode()
        lock_restaurant_day(restaurant_id=restaurant.pk, day=tomorrow(restaurant))
        inside = plan_cache_mode()

    assert (before, inside, plan_cache_mode()) == ("auto", "force_generic_plan", "auto")


@pytest.mark.parametrize("others", [0, 1000])
def test_a_public_create(restaurant, django_assert_max_num_queries, others):
    TableFactory.create_batch(4, restaurant=restaurant, max_seats=4)
    _fill_the_day(restaurant, others)
    body = build.body(restaurant, time="12:00")

    with django_assert_max_num_queries(PUBLIC_CREATE):
        response = APIClient().post("/api/bookings", body, format="json", headers={"Idempotency-Key": "pub-1"})

    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("others", [0, 500])
def test_availability(restaurant, django_assert_max_num_queries, others):
    TableFactory.create_batch(4, restaurant=restaurant, max_seats=4)
    _fill_the_day(restaurant, others)
    day = tomorrow(restaurant).isoformat()

    with django_assert_max_num_queries(AVAILABILITY) as captured:
        response = APIClient().get(f"/api/restaurants/{restaurant.slug}/availability?date={day}&party=2")

    assert response.status_code == 200
    assert len(captured) == 2  # the restaurant and the day's one read
