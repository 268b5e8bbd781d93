"""An owner sets the restaurant up alone (DESIGN 7 "Owner set-up", issue 12 acceptance 6).

Lists for timezone and country, errors as sentences, labelled inline fields, table groups and turn
times on the restaurant's page, the change history with who made each change, and inviting staff by
email with a working set-password link.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client

from bookings.models import Customer
from config.errors import Forbidden
from restaurants.models import Membership, OpeningHours, Restaurant, ServicePeriod, Table, TableGroup, TurnTime
from restaurants.services import staff_invite
from tests.admin.conftest import BOARD_URL, change_form_data, staff
from tests.factories import CustomerFactory, RestaurantFactory, TableFactory

pytestmark = pytest.mark.django_db


def _page(restaurant) -> str:
    return f"/admin/restaurants/restaurant/{restaurant.pk}/change/"


def _invite(restaurant) -> str:
    return f"/admin/restaurants/restaurant/{restaurant.pk}/invite/"


@pytest.fixture
def owner_client(client, board_owner):
    client.force_login(board_owner)
    return client


def _post(client, restaurant, **changes):
    data = {**change_form_data(client.get(_page(restaurant))), **changes}
    return client.post(_page(restaurant), data)


LUNCH = {"name": "lunch", "start_time": "12:00", "end_time": "15:00"}


def _inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(initial + len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows, start=initial):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


# --- lists, sentences, labels ----------------------------------------------------------------------
def test_timezone_and_country_are_lists(owner_client, restaurant):
    page = owner_client.get(_page(restaurant)).content.decode()

    assert re.search(r'<select name="timezone"[^>]*>', page) and '<option value="Europe/London" selected>' in page
    assert (
        re.search(r'<select name="country"[^>]*>', page) and '<option value="GB" selected>United Kingdom (GB)' in page
    )
    assert '<option value="FR">France (FR)</option>' in page


def test_a_typed_timezone_is_refused_and_a_listed_one_taken(owner_client, restaurant):
    refused = _post(owner_client, restaurant, timezone="London")
    taken = _post(owner_client, restaurant, timezone="America/New_York", country="US")

    assert refused.status_code == 200 and "timezone" in refused.context["adminform"].form.errors
    assert taken.status_code == 302
    restaurant.refresh_from_db()
    assert (restaurant.timezone, restaurant.country) == ("America/New_York", "US")


def test_a_table_whose_minimum_exceeds_its_maximum_reads_as_a_sentence(owner_client, restaurant):
    rows = _inline(
        "tables", [{"name": "T9", "section": "indoor", "min_seats": "6", "max_seats": "2", "is_active": "on"}]
    )
    response = _post(owner_client, restaurant, **rows)

    html = response.content.decode()
    assert response.status_code == 200
    assert "A table seats at least 1, and its maximum is at least its minimum." in html
    assert "Constraint" not in html and "is violated" not in html
    assert not Table.objects.filter(name="T9").exists()


def test_a_second_row_for_one_weekday_reads_as_a_sentence(owner_client, restaurant):
    rows = _inline(
        "opening_hours",
        [{"weekday": "0", "opens_at": "09:00", "closes_at": "17:00"}],
        initial=restaurant.opening_hours.count(),
    )
    existing = {k: v for k, v in change_form_data(owner_client.get(_page(restaurant))).items() if "opening_hours" in k}
    response = _post(owner_client, restaurant, **{**existing, **rows})

    assert response.status_code == 200
    assert "That weekday already has opening hours." in response.content.decode()


def test_every_inline_field_has_an_accessible_name(owner_client, restaurant):
    TableFactory(restaurant=restaurant, name="T1")
    page = owner_client.get(_page(restaurant)).content.decode()

    assert 'aria-label="Max seats (table, row 1)"' in page
    assert 'aria-label="Delete (table, row 1)"' in page
    assert 'aria-label="Minutes (turn time, new row)"' in page
    assert 'aria-label="Tables (table group, new row)"' in page


# --- table groups and turn times on the restaurant's page --------------------------------------------
def test_an_owner_adds_a_table_group_and_a_turn_time(owner_client, restaurant, other_place):
    a, b = TableFactory(restaurant=restaurant, name="A"), TableFactory(restaurant=restaurant, name="B")
    elsewhere = TableFactory(restaurant=other_place, name="Elsewhere")
    page = owner_client.get(_page(restaurant))
    group_field = next(f for f in page.context["inline_admin_formsets"] if f.formset.model is TableGroup)
    offered = set(group_field.formset.empty_form.fields["tables"].queryset)

    response = _post(
        owner_client,
        restaurant,
        **_inline(
            "table_groups", [{"name": "Window pair", "tables": [a.pk, b.pk], "min_seats": "3", "max_seats": "8"}]
        ),
        **_inline("turn_times", [{"party_min": "1", "party_max": "2", "booking_type": "", "minutes": "75"}]),
    )

    assert elsewhere not in offered and {a, b} <= offered
    assert response.status_code == 302
    assert set(TableGroup.objects.get(name="Window pair").tables.all()) == {a, b}
    assert TurnTime.objects.get(restaurant=restaurant).minutes == 75


def test_a_group_of_one_table_is_refused(owner_client, restaurant):
    a = TableFactory(restaurant=restaurant, name="A")
    response = _post(
        owner_client,
        restaurant,
        **_inline("table_groups", [{"name": "Solo", "tables": [a.pk], "min_seats": "1", "max_seats": "4"}]),
    )
    assert response.status_code == 200 and "A group joins two or more tables." in response.content.decode()


def test_a_new_restaurants_page_offers_no_other_restaurants_tables_to_group(client, superuser, restaurant):
    TableFactory(restaurant=restaurant, name="Taken elsewhere")
    client.force_login(superuser)
    page = client.get("/admin/restaurants/restaurant/add/")

    group_field = next(f for f in page.context["inline_admin_formsets"] if f.formset.model is TableGroup)
    assert list(group_field.formset.empty_form.fields["tables"].queryset) == []


# --- the clock's settings (DESIGN 11) ---------------------------------------------------------------
def test_an_owner_sets_the_clock_and_out_of_range_values_are_refused(owner_client, restaurant):
    refused = _post(
        owner_client,
        restaurant,
        request_expiry_hours="0",
        pending_attention_minutes="2000",
        review_request_hours="500",
        review_url="not a url",
    )
    taken = _post(
        owner_client,
        restaurant,
        auto_allocate="",
        auto_no_show="",
        reminders_enabled="",
        request_expiry_hours="48",
        pending_attention_minutes="45",
        review_request_hours="",
        review_url="https://reviews.example/bistro",
    )

    errors = refused.context["adminform"].form.errors
    assert refused.status_code == 200
    assert set(errors) == {"request_expiry_hours", "pending_attention_minutes", "review_request_hours", "review_url"}
    assert taken.status_code == 302
    restaurant.refresh_from_db()
    assert (restaurant.auto_allocate, restaurant.auto_no_show, restaurant.reminders_enabled) == (False, False, False)
    assert (restaurant.request_expiry_hours, restaurant.pending_attention_minutes) == (48, 45)
    assert (restaurant.review_request_hours, restaurant.review_url) == (None, "https://reviews.example/bistro")


# --- history ------------------------------------------------------------------------------------
def test_changes_keep_a_history_with_the_acting_user(owner_client, restaurant, board_owner):
    TableFactory(restaurant=restaurant, name="T1")
    _post(owner_client, restaurant, contact_email="desk@example.com", **{"tables-0-max_seats": "6"})

    latest = restaurant.history.latest()
    table = Table.objects.get(name="T1").history.latest()
    page = owner_client.get(f"{_page(restaurant).replace('change/', 'history/')}").content.decode()

    assert (latest.contact_email, latest.history_user) == ("desk@example.com", board_owner)
    assert (table.max_seats, table.history_user, table.history_type) == (6, board_owner, "~")
    assert board_owner.username in page and "Tables" in page and "T1" in page


def test_memberships_and_customers_keep_a_history(client, restaurant, superuser):
    customer = CustomerFactory(restaurant=restaurant)
    client.force_login(superuser)
    client.post(
        f"/admin/bookings/customer/{customer.pk}/change/",
        {"full_name": "Renamed Guest", "email": customer.email, "phone": customer.phone, "notes": ""},
    )
    staff(restaurant, "host")

    assert Customer.history.filter(full_name="Renamed Guest", history_user=superuser).exists()
    assert Membership.history.filter(restaurant_id=restaurant.pk, role="host").exists()
    assert client.get(f"/admin/bookings/customer/{customer.pk}/history/").status_code == 200


@pytest.mark.parametrize("email", ["abc", "2026-13-45", "a@b@c"])
def test_a_guest_email_that_is_no_address_is_refused(owner_client, restaurant, email):
    customer = CustomerFactory(restaurant=restaurant)

    response = owner_client.post(
        f"/admin/bookings/customer/{customer.pk}/change/",
        {"full_name": customer.full_name, "email": email, "phone": customer.phone, "notes": ""},
    )

    assert response.status_code == 200 and "Enter a valid email address." in response.content.decode()
    customer.refresh_from_db()
    assert customer.email != email


@pytest.mark.parametrize("weekday", ["7", "501", "-1"])
def test_a_service_period_on_no_weekday_is_refused(owner_client, restaurant, weekday):
    data = change_form_data(owner_client.get(_page(restaurant)))
    rows = int(data["service_periods-TOTAL_FORMS"])
    lunch = {**LUNCH, "weekday": weekday}
    data.update({k: v for k, v in _inline("service_periods", [lunch], rows).items() if "INITIAL" not in k})

    response = owner_client.post(_page(restaurant), data)

    assert response.status_code == 200 and "Select a valid choice." in response.content.decode()
    assert not ServicePeriod.objects.filter(restaurant=restaurant, name="lunch").exists()


def test_hours_and_service_periods_keep_a_history_with_the_acting_user(owner_client, restaurant, board_owner):
    data = change_form_data(owner_client.get(_page(restaurant)))
    data["opening_hours-0-closes_at"] = "21:30"
    rows = int(data["service_periods-TOTAL_FORMS"])
    data.update({k: v for k, v in _inline("service_periods", [LUNCH], rows).items() if "INITIAL" not in k})

    assert owner_client.post(_page(restaurant), data).status_code == 302
    changed_hours = OpeningHours.history.filter(restaurant_id=restaurant.pk, closes_at=dt.time(21, 30)).get()
    assert (changed_hours.history_type, changed_hours.history_user) == ("~", board_owner)
    assert ServicePeriod.history.get(restaurant_id=restaurant.pk, name="lunch").history_user == board_owner


def test_hours_saved_from_another_tab_meanwhile_read_as_a_sentence(owner_client, restaurant):
    """The page was opened before another tab added Monday's row: no 500, the sentence instead."""
    OpeningHours.objects.filter(restaurant=restaurant, weekday=0).delete()
    data = change_form_data(owner_client.get(_page(restaurant)))
    OpeningHours.objects.create(restaurant=restaurant, weekday=0, opens_at=dt.time(9), closes_at=dt.time(17))
    rows = int(data["opening_hours-TOTAL_FORMS"])
    monday = {"weekday": "0", "opens_at": "11:00", "closes_at": "22:00"}
    data.update({k: v for k, v in _inline("opening_hours", [monday], rows).items() if "INITIAL" not in k})

    response = owner_client.post(_page(restaurant), data)

    assert response.status_code == 200 and "That weekday already has opening hours." in response.content.decode()


# --- the history pages follow the admin's rules ----------------------------------------------------
def _version_page(model_path: str, obj) -> str:
    return f"/admin/{model_path}/{obj.pk}/history/{obj.history.latest().history_id}/"


def test_a_past_version_is_shown_and_never_saved(client, restaurant):
    manager = staff(restaurant, "manager")
    membership = Membership.objects.get(user=manager)
    client.force_login(manager)
    version = _version_page("restaurants/membership", membership)

    shown = client.get(version)
    posted = client.post(version, {"user": manager.pk, "restaurant": restaurant.pk, "role": "owner"})

    assert shown.status_code == 200
    assert posted.status_code == 405
    membership.refresh_from_db()
    assert membership.role == "manager"


def test_a_host_cannot_save_the_restaurant_through_its_history(client, restaurant):
    client.force_login(staff(restaurant, "host"))
    version = _version_page("restaurants/restaurant", restaurant)

    assert client.post(version, {"name": restaurant.name, "contact_email": "thief@example.com"}).status_code == 405
    restaurant.refresh_from_db()
    assert restaurant.contact_email != "thief@example.com"


def test_another_restaurants_history_is_404(client, restaurant, other_place):
    table = TableFactory(restaurant=other_place, name="Theirs", max_seats=4)
    customer = CustomerFactory(restaurant=other_place)
    client.force_login(staff(restaurant, "manager"))

    answers = [
        client.get(f"/admin/restaurants/table/{table.pk}/history/").status_code,
        client.get(_version_page("restaurants/table", table)).status_code,
        client.post(_version_page("restaurants/table", table), {"restaurant": restaurant.pk}).status_code,
        client.get(f"/admin/bookings/customer/{customer.pk}/history/").status_code,
        client.get(f"/admin/restaurants/restaurant/{other_place.pk}/history/").status_code,
        client.get("/admin/restaurants/table/not-a-key/history/").status_code,
    ]

    assert answers == [404, 404, 405, 404, 404, 404]  # a POST to a past version is 405 for any object
    table.refresh_from_db()
    assert (table.restaurant, table.max_seats) == (other_place, 4)


@pytest.mark.parametrize("bad", ["not-a-key", "0", "-1", "a%2Fb"])
def test_a_restaurant_page_of_an_id_that_is_no_key_is_404(owner_client, restaurant, bad):
    version = bad.replace("%2F", "")  # a version with a slash is no history URL at all
    table = TableFactory(restaurant=restaurant)
    answers = [
        owner_client.get(f"/admin/restaurants/restaurant/{bad}/history/").status_code,
        owner_client.get(f"/admin/restaurants/restaurant/{bad}/invite/").status_code,
        owner_client.get(f"/admin/restaurants/restaurant/{restaurant.pk}/history/{version}/").status_code,
        owner_client.get(f"/admin/restaurants/table/{table.pk}/history/x{version}/").status_code,
    ]

    assert answers == [404, 404, 404, 404]


@pytest.mark.parametrize("blank", ["opens_at", "closes_at"])
def test_open_hours_without_a_time_are_a_sentence_not_a_500(owner_client, restaurant, blank):
    data = change_form_data(owner_client.get(_page(restaurant)))
    assert "opening_hours-0-is_closed" not in data and data["opening_hours-0-opens_at"]  # an open day
    data[f"opening_hours-0-{blank}"] = ""

    response = owner_client.post(_page(restaurant), data)

    assert response.status_code == 200
    assert "An open day needs an opening and a closing time" in response.content.decode()
    assert str(OpeningHours(weekday=0)) == "Monday: times not set"


# --- invites (acceptance 6) ------------------------------------------------------------------------
def test_an_owner_invites_a_host_who_sets_a_password_and_sees_only_that_restaurant(
    owner_client, restaurant, other_place, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    page = owner_client.get(_page(restaurant)).content.decode()
    form = owner_client.get(_invite(restaurant))

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            _invite(restaurant), {"email": "New.Host@Example.com", "role": "host", "name": "Nia Host"}
        )

    assert "Invite staff" in page and form.status_code == 200
    assert [value for value, _ in form.context["form"].fields["role"].choices] == ["owner", "manager", "host", "server"]
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["new.host@example.com"] and restaurant.name in message.subject
    [link] = re.findall(r"http://testserver(/accounts/reset/\S+)", message.body)

    host = Client()
    form_page = host.get(link, follow=True)
    assert form_page.status_code == 200 and "new_password1" in form_page.content.decode()
    done = host.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Sprout-Table-42", "new_password2": "Sprout-Table-42"}
    )
    assert done.status_code == 302
    assert host.get(link, follow=True).context["validlink"] is False  # the link works once

    signed_in = host.post("/accounts/login/", {"username": "new.host@example.com", "password": "Sprout-Table-42"})
    assert signed_in.status_code == 302  # the sign-in page (with its lockout) accepts the new password
    board = host.get(BOARD_URL)
    assert [r.name for r in board.context["board"].restaurants] == [restaurant.name]
    assert list(host.get("/admin/restaurants/restaurant/").context["cl"].result_list) == [restaurant]
    membership = Membership.objects.get(user__email="new.host@example.com")
    assert (membership.restaurant, membership.role, membership.user.is_staff) == (restaurant, "host", True)
    assert membership.user.groups.filter(name="Host").exists()


def test_a_host_cannot_invite(client, restaurant):
    host = staff(restaurant, "host")
    client.force_login(host)

    assert client.get(_invite(restaurant)).status_code == 403
    assert client.post(_invite(restaurant), {"email": "x@example.com", "role": "server"}).status_code == 403
    assert "Invite staff" not in client.get(_page(restaurant)).content.decode()
    with pytest.raises(Forbidden):
        staff_invite(restaurant=restaurant, email="x@example.com", role="server", invited_by=host)
    assert not Membership.objects.filter(user__email="x@example.com").exists()


def test_a_manager_cannot_grant_owner(client, restaurant):
    manager = staff(restaurant, "manager")
    client.force_login(manager)

    form = client.get(_invite(restaurant)).context["form"]
    response = client.post(_invite(restaurant), {"email": "boss@example.com", "role": "owner"})

    assert [value for value, _ in form.fields["role"].choices] == ["manager", "host", "server"]
    assert response.status_code == 200 and response.context["form"].errors["role"]
    with pytest.raises(Forbidden):
        staff_invite(restaurant=restaurant, email="boss@example.com", role="owner", invited_by=manager)
    assert not Membership.objects.filter(user__email="boss@example.com").exists()


def test_an_owner_of_another_restaurant_cannot_invite_here(client, restaurant):
    client.force_login(staff(RestaurantFactory(), "owner"))
    assert client.get(_invite(restaurant)).status_code == 404


def test_inviting_someone_already_here_is_a_sentence_and_an_existing_user_just_signs_in(
    owner_client, restaurant, other_place, django_capture_on_commit_callbacks
):
    colleague = staff(restaurant, "server")
    elsewhere = staff(other_place, "host")

    again = owner_client.post(_invite(restaurant), {"email": colleague.email, "role": "host"})
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(_invite(restaurant), {"email": elsewhere.email, "role": "server"})

    assert again.status_code == 200 and "already works at" in again.content.decode()
    assert Membership.objects.get(user=colleague).role == "server"
    assert Membership.objects.get(user=elsewhere, restaurant=restaurant).role == "server"
    assert "/accounts/reset/" not in mail.outbox[-1].body and "Sign in with your username" in mail.outbox[-1].body
    assert Restaurant.objects.count() == 2


@pytest.mark.parametrize("selected", ["99999999999999999999", "-99999999999999999999"])
def test_a_bulk_action_on_a_table_id_no_table_can_have_changes_nothing(owner_client, restaurant, selected):
    table = TableFactory(restaurant=restaurant)

    response = owner_client.post(
        "/admin/restaurants/table/", {"action": "delete_selected", "_selected_action": [selected, table.pk]}
    )

    assert response.status_code == 200  # the confirmation page, of the one real table
    assert [t.pk for t in response.context["queryset"]] == [table.pk]
    assert Table.objects.filter(pk=table.pk).exists()
