"""The front door (DESIGN 7): `/` and signing in lead staff to the ops board, visitors to the sign-in page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from restaurants.services import membership_grant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BOARD = "/admin/bookings/booking/"
LOGIN = "/accounts/login/"


@pytest.fixture
def staff_user(restaurant):
    """A host made the way production makes staff: `membership_grant` sets is_staff and the role group."""
    user = UserFactory()
    membership_grant(user=user, restaurant=restaurant, role="host")
    return user


def test_the_board_is_where_the_url_names_point():
    assert reverse("admin:bookings_booking_changelist") == BOARD
    assert reverse("opsportal:front-door") == "/"


def test_an_anonymous_visitor_is_sent_to_the_sign_in_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "Staff sign-in" in client.get(LOGIN).content.decode()


def test_signed_in_staff_are_sent_to_the_board(client, staff_user):
    client.force_login(staff_user)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == BOARD
    assert client.get(BOARD).status_code == 200


def test_a_signed_in_user_who_is_not_staff_is_sent_to_the_sign_in_page(client):
    client.force_login(UserFactory(is_staff=False))

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_signing_in_without_next_lands_on_the_board(client, staff_user):
    response = client.post(LOGIN, {"username": staff_user.username, "password": "pw-for-tests-123"})

    assert response.status_code == 302
    assert response["Location"] == BOARD


def test_signing_in_with_next_returns_there(client, staff_user):
    response = client.post(
        LOGIN, {"username": staff_user.username, "password": "pw-for-tests-123", "next": "/ops/bookings/new"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/ops/bookings/new"


def test_the_admin_view_site_link_goes_to_the_board(client, staff_user):
    client.force_login(staff_user)

    page = client.get(reverse("admin:index"))

    assert page.status_code == 200
    assert page.context["site_url"] == BOARD
    assert f'<a href="{BOARD}">View site</a>' in page.content.decode()
