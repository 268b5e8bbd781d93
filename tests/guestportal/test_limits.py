"""Abuse resistance of the anonymous channel (DESIGN 10, 12; issue 10 acceptance 5).

One client-IP rule (`TRUSTED_PROXY_COUNT`) for every throttle and for `details.request.ip`; at most
three web bookings a day for one guest email at one restaurant; the restaurant's online limits bind
guests on the web and never staff.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.test import APIClient

from bookings.models import Booking
from bookings.tokens import manage_token
from config.http import client_ip
from tests.concurrency import run_concurrently
from tests.factories import RestaurantFactory, TableFactory
from tests.guestportal.conftest import API, build, throttle_rates

pytestmark = pytest.mark.django_db

EMAIL_LIMIT = {
    "error": "This email address has made 3 online bookings here in the last 24 hours; "
    "please contact the restaurant for more.",
    "code": "EMAIL_LIMIT",
}


def create(client, restaurant, *, key: str | None = None, meta: dict | None = None, **overrides):
    """`POST /api/bookings` of `build.body(restaurant, **overrides)`; `meta`: the request's WSGI environ."""
    headers = {"Idempotency-Key": key} if key else {}
    body = build.body(restaurant, **overrides)
    return client.post("/api/bookings", body, format="json", headers=headers, **(meta or {}))


def times(count: int) -> list[str]:
    """`count` different start times on the grid from 08:00."""
    return [f"{8 + i // 4:02d}:{15 * (i % 4):02d}" for i in range(count)]


# --- the client IP -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trusted", "forwarded", "remote", "client"),
    [
        (0, "203.0.113.9", "192.0.2.1", "192.0.2.1"),  # nobody in front: the header is anyone's to send
        (1, "6.6.6.6, 203.0.113.9", "10.0.0.1", "203.0.113.9"),  # the right-most entry is what our proxy saw
        (1, "203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1", "10.0.0.1"),  # fewer entries than proxies: trust only the socket
        (1, "", "10.0.0.1", "10.0.0.1"),
        (1, "not-an-ip", "10.0.0.1", "10.0.0.1"),
        (1, " 2001:DB8::1 ", "10.0.0.1", "2001:db8::1"),
        (1, "203.0.113.9,,", "10.0.0.1", "203.0.113.9"),
    ],
)
def test_the_client_ip_rule(settings, trusted, forwarded, remote, client):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == client


def test_without_trusted_proxies_a_forged_header_buys_nothing(api_client, restaurant, settings):
    """25 creates from one address, each with its own X-Forwarded-For: the 21st and later are 429."""
    settings.TRUSTED_PROXY_COUNT = 0
    TableFactory.create_batch(25, restaurant=restaurant, max_seats=2)

    answers = [
        create(
            api_client,
            restaurant,
            time=start,
            bookingType="breakfast",
            email=f"victim{i}@example.com",
            meta={"REMOTE_ADDR": "198.51.100.20", "HTTP_X_FORWARDED_FOR": f"203.0.113.{i}"},
        ).status_code
        for i, start in enumerate(times(25))
    ]

    assert answers == [201] * 20 + [429] * 5
    assert {b.details["request"]["ip"] for b in Booking.objects.all()} == {"198.51.100.20"}


def test_behind_one_proxy_the_right_most_entry_is_the_client(api_client, restaurant, tables, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    throttle_rates(settings, public_booking="2/min")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    first = create(
        api_client,
        restaurant,
        time="12:00",
        email="a1@example.com",
        meta={**proxy, "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.5"},
    )
    second = create(
        api_client,
        restaurant,
        time="13:00",
        email="a2@example.com",
        meta={**proxy, "HTTP_X_FORWARDED_FOR": "2.2.2.2, 203.0.113.5"},
    )
    third = create(
        api_client,
        restaurant,
        time="14:00",
        email="a3@example.com",
        meta={**proxy, "HTTP_X_FORWARDED_FOR": "3.3.3.3, 203.0.113.5"},
    )
    neighbour = create(
        api_client,
        restaurant,
        time="15:00",
        email="b@example.com",
        meta={**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.6"},
    )

    assert [r.status_code for r in (first, second, third, neighbour)] == [201, 201, 429, 201]
    assert sorted(b.details["request"]["ip"] for b in Booking.objects.all()) == [
        "203.0.113.5",
        "203.0.113.5",
        "203.0.113.6",
    ]


def test_every_guest_throttle_uses_the_same_rule(client, api_client, restaurant, tables, settings, committed):
    """Availability, token lookups (API and pages) and the booking page count per right-most entry."""
    settings.TRUSTED_PROXY_COUNT = 1
    throttle_rates(settings, availability="1/min", guest_token="1/min", public_booking="1/min")
    with committed():
        token = manage_token(build.create(restaurant).booking)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    calls = {
        "availability": lambda xff: api_client.get(
            f"/api/restaurants/{restaurant.slug}/availability?date=2026-06-10&party=2",
            **proxy,
            HTTP_X_FORWARDED_FOR=xff,
        ),
        "search on the booking page": lambda xff: client.get(
            f"/r/{restaurant.slug}/?date=2026-06-10&party=2", **proxy, HTTP_X_FORWARDED_FOR=xff
        ),
        "api lookup": lambda xff: api_client.get(API.format(token=token), **proxy, HTTP_X_FORWARDED_FOR=xff),
        "page lookup": lambda xff: client.get(f"/b/{token}", **proxy, HTTP_X_FORWARDED_FOR=xff),
        "booking page": lambda xff: client.post(
            f"/r/{restaurant.slug}/", {"date": "x"}, **proxy, HTTP_X_FORWARDED_FOR=xff
        ),
    }
    outcomes = {}
    for name, call in calls.items():
        cache.clear()
        outcomes[name] = [
            call("9.9.9.9, 203.0.113.5").status_code,
            call("8.8.8.8, 203.0.113.5").status_code,  # the same client, another forged entry
            call("203.0.113.6").status_code,  # another client behind the same proxy
        ]

    assert outcomes == {
        "availability": [200, 429, 200],
        "search on the booking page": [200, 429, 200],
        "api lookup": [200, 429, 200],
        "page lookup": [200, 429, 200],
        "booking page": [400, 429, 400],
    }


# --- the per-email limit -----------------------------------------------------------------------
def test_a_fourth_web_booking_for_one_email_in_a_day_is_429(api_client, restaurant, tables, committed):
    with committed():
        made = [create(api_client, restaurant, time=t, key=f"k{t}") for t in ("12:00", "13:00", "14:00")]
    sent = len(mail.outbox)

    with committed():
        fourth = create(api_client, restaurant, time="15:00", email=" ADA@example.COM ")
        replay = create(api_client, restaurant, time="12:00", key="k12:00")

    assert [r.status_code for r in made] == [201, 201, 201]
    assert (fourth.status_code, fourth.json()) == (429, EMAIL_LIMIT)
    assert (replay.status_code, replay.json()["duplicate"]) == (200, True)
    assert replay.json()["booking"]["id"] == made[0].json()["booking"]["id"]
    assert Booking.objects.count() == 3
    assert len(mail.outbox) == sent  # no fourth email to that address


def test_the_limit_is_checked_before_the_slot(api_client, restaurant, tables):
    for t in ("12:00", "13:00", "14:00"):
        create(api_client, restaurant, time=t)
    assert create(api_client, restaurant, time="03:00").json() == EMAIL_LIMIT


def test_the_limit_is_per_restaurant_and_per_24_hours(api_client, restaurant, tables, time_machine):
    for t in ("12:00", "13:00", "14:00"):
        create(api_client, restaurant, time=t)
    elsewhere = RestaurantFactory()
    TableFactory(restaurant=elsewhere)

    assert create(api_client, elsewhere).status_code == 201
    time_machine.shift(dt.timedelta(hours=24))
    assert create(api_client, restaurant, time="15:00").status_code == 429
    time_machine.shift(dt.timedelta(seconds=1))
    assert create(api_client, restaurant, time="15:00").status_code == 201


def test_staff_bookings_and_contactless_walkins_never_count(api_client, restaurant, tables, host):
    staff = APIClient()
    staff.force_login(host)
    for t in times(3):
        body = build.ops_body(restaurant, time=t, bookingType="breakfast", email="ada@example.com")
        assert staff.post("/api/ops/bookings", body, format="json").status_code == 201
    for t in times(8)[3:]:  # no contact: the booking holds the restaurant's address (or a placeholder)
        body = build.ops_body(restaurant, time=t, bookingType="breakfast")
        assert staff.post("/api/ops/bookings", body, format="json").status_code == 201
    assert Booking.objects.filter(customer_email=restaurant.contact_email).count() == 5

    guest = [create(api_client, restaurant, time=t).status_code for t in ("12:00", "13:00", "14:00")]
    desk = [
        create(api_client, restaurant, time=t, email=restaurant.contact_email).status_code
        for t in ("15:00", "16:00", "17:00")
    ]

    assert guest == desk == [201, 201, 201]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_cannot_pass_the_email_limit_together(restaurant, tables, settings):
    """Six requests at once for one email on six different days (six different slot locks): three win."""
    throttle_rates(settings, unthrottled=True)

    def request(i: int):
        day = (dt.date(2026, 6, 10) + dt.timedelta(days=i)).isoformat()
        response = create(APIClient(), restaurant, date=day)
        return response.status_code

    outcomes = run_concurrently(request, 6)

    assert sorted(outcomes) == [201, 201, 201, 429, 429, 429], outcomes
    assert Booking.objects.count() == 3


# --- online limits -----------------------------------------------------------------------------
LIMITS = {
    "beyond the booking window": (
        {"date": "2026-08-31"},  # 91 days ahead
        "OUTSIDE_BOOKING_WINDOW",
        "{name} takes online bookings up to 90 days ahead.",
    ),
    "inside the minimum notice": (
        {"date": "2026-06-01", "time": "12:00", "bookingType": "lunch"},  # 30 minutes from now
        "NOTICE_TOO_SHORT",
        "Online bookings close 60 minutes before the start; please contact {name} on +442079460000.",
    ),
    "above the online party maximum": (
        {"party": 9},
        "PARTY_TOO_LARGE",
        "Parties of more than 8 book with {name} directly on +442079460000.",
    ),
}


@pytest.mark.parametrize("limit", LIMITS)
def test_online_limits_refuse_guests_and_not_staff(
    validation_mode, api_client, restaurant, tables, host, limit, time_machine
):
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 30, tzinfo=dt.UTC), tick=False)  # 11:30 in London
    TableFactory(restaurant=restaurant, max_seats=10)
    overrides, code, message = LIMITS[limit]

    web = create(api_client, restaurant, **overrides)
    staff = APIClient()
    staff.force_login(host)
    ops = staff.post("/api/ops/bookings", build.ops_body(restaurant, **overrides), format="json")

    assert (web.status_code, web.json()) == (400, {"error": message.format(name=restaurant.name), "code": code})
    assert ops.status_code == 201, ops.json()
    assert list(Booking.objects.values_list("source", flat=True)) == ["walk-in"]


def test_a_party_too_large_to_book_online_hears_so_even_when_no_table_would_seat_it(api_client, restaurant):
    """The party-size limit comes before the rules of the slot: 'call us', not 'no table is free'."""
    TableFactory(restaurant=restaurant, max_seats=4)
    response = api_client.post("/api/bookings", build.body(restaurant, party=9), format="json")
    assert (response.status_code, response.json()["code"]) == (400, "PARTY_TOO_LARGE")
