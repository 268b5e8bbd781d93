"""`customer_upsert` (DESIGN 3): one identity per email and per phone, placeholders, sticky opt-in."""

from __future__ import annotations

import uuid

import pytest

from bookings.contacts import normalise_email, normalise_phone
from bookings.models import Customer
from bookings.services.customers import customer_upsert
from tests.concurrency import run_concurrently
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def upsert(restaurant, *, email="", phone="", opt_in=False, name="Grace Hopper", crid=None):
    """`customer_upsert` as the pipeline calls it: with the contacts normalised (the identity only)."""
    customer, _ = customer_upsert(
        restaurant=restaurant,
        full_name=name,
        email=normalise_email(email),
        phone=normalise_phone(phone, region=restaurant.country),
        marketing_opt_in=opt_in,
        client_request_id=crid or uuid.uuid4(),
    )
    return customer


def test_new_customer_is_normalised(restaurant):
    customer = upsert(restaurant, email="  Grace@Example.COM ", phone="020 7946 0123", name="  Grace Hopper ")
    customer.refresh_from_db()
    assert (customer.email, customer.phone, customer.full_name) == (
        "grace@example.com",
        "+442079460123",
        "Grace Hopper",
    )


def test_same_email_is_the_same_customer_and_opt_in_is_sticky(restaurant):
    first = upsert(restaurant, email="grace@example.com", phone="020 7946 0123", opt_in=True)
    again = upsert(restaurant, email="GRACE@example.com", phone="+44 20 7946 0123", opt_in=False)
    assert again.pk == first.pk
    assert Customer.objects.get().marketing_opt_in is True


def test_opt_in_turns_on_for_an_existing_customer(restaurant):
    first = upsert(restaurant, email="grace@example.com", opt_in=False)
    upsert(restaurant, email="grace@example.com", opt_in=True)
    first.refresh_from_db()
    assert first.marketing_opt_in is True


def test_identities_are_scoped_per_restaurant(restaurant):
    elsewhere = CustomerFactory(email="grace@example.com")
    here = upsert(restaurant, email="grace@example.com")
    assert (here.restaurant, here.pk != elsewhere.pk) == (restaurant, True)
    assert Customer.objects.filter(email="grace@example.com").count() == 2


def test_a_placeholder_never_overwrites_a_real_contact(restaurant):
    real = upsert(restaurant, email="grace@example.com", phone="020 7946 0123")
    again = upsert(restaurant, email="grace@example.com", phone="")  # no phone: placeholder identity phone
    assert again.pk == real.pk
    real.refresh_from_db()
    assert real.phone == "+442079460123"
    by_phone = upsert(restaurant, email="", phone="020 7946 0123")
    assert by_phone.pk == real.pk
    real.refresh_from_db()
    assert real.email == "grace@example.com"


def test_a_placeholder_is_filled_in_with_a_real_contact_given_later(restaurant):
    crid = uuid.uuid4()
    walk_in = upsert(restaurant, email="grace@example.com", crid=crid)
    assert walk_in.phone == f"000-{crid.hex[:24]}"  # stored verbatim, not normalised
    upsert(restaurant, email="grace@example.com", phone="020 7946 0123")
    walk_in.refresh_from_db()
    assert walk_in.phone == "+442079460123"


def test_email_customer_wins_over_phone_customer_and_keeps_its_phone(restaurant):
    by_email = upsert(restaurant, email="a@example.com", phone="020 7946 0001")
    by_phone = upsert(restaurant, email="b@example.com", phone="020 7946 0002")
    winner = upsert(restaurant, email="a@example.com", phone="020 7946 0002")
    assert winner.pk == by_email.pk
    by_email.refresh_from_db()
    by_phone.refresh_from_db()
    assert by_email.phone == "+442079460001"
    assert by_phone.email == "b@example.com"
    assert Customer.objects.count() == 2


def test_contactless_walk_ins_are_separate_unless_it_is_the_same_request(restaurant):
    crid = uuid.uuid4()
    one = upsert(restaurant, crid=crid)
    same_request = upsert(restaurant, crid=crid)
    other = upsert(restaurant)
    assert one.pk == same_request.pk
    assert other.pk != one.pk
    assert one.email == f"walkin+{crid.hex[:24]}@system.local"
    assert one.is_placeholder


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_make_one_customer(restaurant):
    outcomes = run_concurrently(
        lambda i: upsert(restaurant, email="grace@example.com", phone="020 7946 0123", opt_in=i == 3).pk, 10
    )
    assert len(set(outcomes)) == 1
    customer = Customer.objects.get()
    assert customer.pk == outcomes[0]
    assert customer.marketing_opt_in is True


@pytest.mark.django_db
def test_a_placeholder_identity_is_never_shown_as_a_contact(restaurant):
    real = CustomerFactory(restaurant=restaurant, full_name="Ada Lovelace", email="ada@example.com")
    walk_in = CustomerFactory(
        restaurant=restaurant, full_name="Walk In", email="walkin+abc@system.local", phone="000-abc"
    )

    assert str(real) == "Ada Lovelace <ada@example.com>"
    assert str(walk_in) == "Walk In"
