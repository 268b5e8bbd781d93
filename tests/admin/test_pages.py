"""Every admin changelist and change page renders with data present (acceptance, DESIGN 7).

The test walks `admin.site._registry`, so a model registered later is covered without editing it:
it fails until the fixture gives that model a row.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from rest_framework.authtoken.models import Token

from bookings.services import lifecycle
from bookings.services.creation import Channel
from opsportal.second_factor import totp_device_pending
from tests.admin.conftest import build
from tests.builders import GUEST_CONTACTS
from tests.factories import CustomerFactory, ServicePeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def everything(restaurant, board_owner, two_and_four_tables, superuser):
    """At least one row of every registered model, made the way production makes them."""
    ServicePeriodFactory(restaurant=restaurant)
    result = build.create(restaurant, channel=Channel.OPS, actor=board_owner, **GUEST_CONTACTS)
    lifecycle.booking_assign_tables(booking=result.booking, table_ids=[two_and_four_tables[0].pk], actor=board_owner)
    Token.objects.create(user=superuser)
    # Sign-in records (django-axes): a wrong password for one account, the right one for another.
    sign_in = Client()
    sign_in.post("/accounts/login/", {"username": superuser.username, "password": "wrong"})
    sign_in.post("/accounts/login/", {"username": board_owner.username, "password": "pw-for-tests-123"})
    # Second-factor devices (django-otp): an enrolment started, and recovery codes.
    totp_device_pending(user=board_owner)
    StaticDevice.objects.create(user=board_owner, name="Recovery codes")


@pytest.mark.usefixtures("everything")
@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_changelist_and_change_page_render_for_a_superuser(client, superuser, model):
    client.force_login(superuser)
    opts = model._meta
    obj = model._default_manager.first()
    assert obj is not None, f"give {opts.label} a row in the `everything` fixture"

    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)]))

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert changelist.context["cl"].result_count >= 1


def test_customers_filter_placeholder_identities_and_never_show_them_as_contacts(client, restaurant, superuser):
    real = CustomerFactory(restaurant=restaurant, full_name="Real Guest")
    CustomerFactory(restaurant=restaurant, full_name="Walk In", email="walkin+abc123@system.local", phone="000-abc123")
    client.force_login(superuser)

    placeholders = client.get("/admin/bookings/customer/", {"placeholder": "yes"})
    real_ones = client.get("/admin/bookings/customer/", {"placeholder": "no"})

    assert [c.full_name for c in placeholders.context["cl"].result_list] == ["Walk In"]
    assert [c.full_name for c in real_ones.context["cl"].result_list] == ["Real Guest"]
    page = placeholders.content.decode()
    assert '<td class="field-contact_email">no email given</td>' in page
    assert '<td class="field-contact_phone">no phone given</td>' in page
    assert "000-abc123" not in page
    assert real.email in real_ones.content.decode()
