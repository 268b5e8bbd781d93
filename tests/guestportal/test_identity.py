"""Guest identity and consent (DESIGN 10's last paragraph; issue 10 acceptance 6).

An anonymous request never changes an existing customer and never joins one found by phone alone;
consent ticked on the web stays on the booking until the guest proves they read the mailbox (the
manage link) or staff record it.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from bookings.contacts import placeholder_email
from bookings.models import Booking, Customer
from bookings.tokens import manage_token
from tests.factories import CustomerFactory
from tests.guestportal.conftest import build

pytestmark = pytest.mark.django_db


def _fields(customer: Customer) -> dict:
    customer = Customer.objects.get(pk=customer.pk)
    return {f: getattr(customer, f) for f in ("full_name", "email", "phone", "marketing_opt_in", "updated_at")}


@pytest.mark.parametrize("stored", [False, True])
def test_an_anonymous_booking_with_a_known_email_changes_nothing_about_its_customer(
    api_client, restaurant, tables, stored
):
    known = CustomerFactory(restaurant=restaurant, full_name="Ada L.", email="ada@example.com", marketing_opt_in=stored)
    before = _fields(known)

    response = api_client.post(
        "/api/bookings",
        build.body(restaurant, name="Mallory", phone="+447911000111", marketingOptIn=not stored),
        format="json",
    )

    assert response.status_code == 201
    assert _fields(known) == before
    booking = Booking.objects.get()
    assert booking.customer_id == known.pk  # joined by the email it names, unchanged
    assert (booking.marketing_opt_in, booking.customer_name, booking.customer_phone) == (
        not stored,
        "Mallory",
        "+447911000111",
    )
    assert Customer.objects.count() == 1


def test_a_phone_only_customers_phone_with_a_new_email_joins_nobody(api_client, restaurant, tables, host):
    walk_in = CustomerFactory(
        restaurant=restaurant, full_name="Pat Walker", email=placeholder_email("walk-in-1"), phone="+447911123456"
    )
    before = _fields(walk_in)

    response = api_client.post(
        "/api/bookings",
        build.body(restaurant, name="Mallory", email="mallory@example.com", phone="07911 123456", marketingOptIn=True),
        format="json",
    )

    assert response.status_code == 201
    assert _fields(walk_in) == before
    attacker = Booking.objects.get()
    assert attacker.customer_id != walk_in.pk
    assert attacker.customer_phone == "+447911123456"  # the booking keeps the phone as typed
    new = attacker.customer
    assert (new.email, new.marketing_opt_in) == ("mallory@example.com", False)
    assert new.phone.startswith("000-")  # the phone belongs to somebody else

    # The staff's list of the walk-in's bookings (the ops create answer) does not show the new one.
    staff = APIClient()
    staff.force_login(host)
    answer = staff.post(
        "/api/ops/bookings", build.ops_body(restaurant, time="12:00", phone="07911 123456"), format="json"
    ).json()
    assert answer["booking"]["customerPhone"] == "+447911123456"
    assert Booking.objects.get(pk=answer["booking"]["id"]).customer_id == walk_in.pk
    assert [b["id"] for b in answer["bookings"]] == [answer["booking"]["id"]]
    assert str(attacker.pk) not in str(answer)


def test_consent_from_the_manage_page_reaches_the_customer_and_can_be_withdrawn(client, api_client, restaurant, tables):
    api_client.post("/api/bookings", build.body(restaurant, marketingOptIn=True), format="json")
    booking = Booking.objects.get()
    assert (booking.marketing_opt_in, booking.customer.marketing_opt_in) == (True, False)
    token = manage_token(booking)
    assert (
        '<input type="checkbox" name="marketingOptIn" id="id_marketingOptIn" checked>'
        in client.get(f"/b/{token}").content.decode()
    )

    on = client.post(f"/b/{token}/consent", {"marketingOptIn": "on"})

    assert (on.status_code, on["Location"]) == (302, f"/b/{token}")
    assert Customer.objects.get().marketing_opt_in is True
    assert "Your choice is saved." in client.get(f"/b/{token}").content.decode()

    off = client.post(f"/b/{token}/consent", {})  # an unticked box is not sent

    assert off.status_code == 302
    assert Customer.objects.get().marketing_opt_in is False
    assert Booking.objects.get().marketing_opt_in is False
    assert (
        '<input type="checkbox" name="marketingOptIn" id="id_marketingOptIn">'
        in client.get(f"/b/{token}").content.decode()
    )


def test_the_consent_switch_answers_post_only(client, guest_booking, token):
    assert client.get(f"/b/{token}/consent").status_code == 405
