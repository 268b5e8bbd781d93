"""The ops board: the Booking changelist with the day, counts, row actions and bulk actions (DESIGN 7).

Every action goes through the lifecycle services: the tests look for the status, the history row
with the acting user and the message on the board; a refused transition is a message, never a 500.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client

from bookings.models import Booking, BookingStatusChange, TableAssignment
from bookings.services import lifecycle
from tests.admin.conftest import BOARD_URL, TODAY, change_form_data, staff
from tests.concurrency import run_concurrently
from tests.factories import BookingFactory, RestaurantFactory, TableFactory

pytestmark = pytest.mark.django_db
S = Booking.Status


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _action(booking, name: str) -> str:
    return f"{BOARD_URL}{booking.pk}/board/{name}/"


@pytest.fixture
def board_client(client, board_host):
    client.force_login(board_host)
    return client


# --- what the board shows -----------------------------------------------------------------------
def test_the_board_opens_on_today_in_the_restaurants_timezone(client, time_machine):
    auckland = RestaurantFactory(timezone="Pacific/Auckland")
    client.force_login(staff(auckland, "host"))
    time_machine.move_to(dt.datetime(2026, 6, 2, 20, 0, tzinfo=dt.UTC), tick=False)  # 08:00 on 3 June there
    utc_today = BookingFactory(restaurant=auckland, booking_date=dt.date(2026, 6, 2))
    local_today = BookingFactory(restaurant=auckland, booking_date=dt.date(2026, 6, 3))

    response = client.get(BOARD_URL)

    assert [b.pk for b in response.context["cl"].result_list] == [local_today.pk]
    assert utc_today.pk not in {b.pk for b in response.context["cl"].result_list}
    assert "Wednesday 3 June 2026 (today)" in response.content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-13-01"])
def test_a_day_the_board_cannot_show_is_refused_not_a_500(board_client, day):
    response = board_client.get(BOARD_URL, {"booking_date": day})

    assert response.status_code == 302
    assert "?e=1" in response["Location"]


def test_day_navigation_and_any_date(board_client, restaurant):
    yesterday = BookingFactory(restaurant=restaurant, booking_date=TODAY - dt.timedelta(days=1))
    tomorrow = BookingFactory(restaurant=restaurant, booking_date=TODAY + dt.timedelta(days=1))
    BookingFactory(restaurant=restaurant)

    board = board_client.get(BOARD_URL).content.decode()
    later = board_client.get(BOARD_URL, {"booking_date": "2026-06-03"})
    earlier = board_client.get(BOARD_URL, {"booking_date": "2026-06-01"})

    assert "?booking_date=2026-06-01" in board and "?booking_date=2026-06-03" in board
    assert 'type="date" name="booking_date"' in board
    assert [b.pk for b in later.context["cl"].result_list] == [tomorrow.pk]
    assert [b.pk for b in earlier.context["cl"].result_list] == [yesterday.pk]


def test_a_date_that_is_not_a_date_is_a_redirect_not_an_error(board_client):
    response = board_client.get(BOARD_URL, {"booking_date": "2026-02-30"})
    assert response.status_code == 302
    assert board_client.get(response.url).status_code == 200


def test_counts_per_status_include_zeros(board_client, restaurant):
    BookingFactory(restaurant=restaurant, confirmed=True)
    BookingFactory(restaurant=restaurant, confirmed=True)
    BookingFactory(restaurant=restaurant, checked_in=True)
    BookingFactory(restaurant=restaurant, confirmed=True, booking_date=TODAY + dt.timedelta(days=1))  # another day

    response = board_client.get(BOARD_URL, {"status__exact": "checked_in"})

    counts = {c["status"]: c["count"] for c in response.context["status_counts"]}
    assert counts == {s.value: 0 for s in S} | {"confirmed": 2, "checked_in": 1}
    assert 'Confirmed: <span class="tk-count">2</span>' in response.content.decode()


def test_columns_show_time_tables_and_source_and_the_booking_page_where_notifications_go(
    board_client, restaurant, two_and_four_tables, board_host
):
    guest = BookingFactory(
        restaurant=restaurant, pending_allocation=True, start_time=dt.time(19, 30), end_time=dt.time(21, 30)
    )
    lifecycle.booking_assign_tables(booking=guest, table_ids=[two_and_four_tables[1].pk], actor=board_host)
    BookingFactory(
        restaurant=restaurant,
        source="walk-in",
        customer_email=restaurant.contact_email,
        details={"channel": "ops", "providedContact": {"email": False, "phone": False}},
    )
    placeholder = BookingFactory(restaurant=restaurant, source="walk-in", customer_email="walkin+abc@system.local")

    page = board_client.get(BOARD_URL).content.decode()
    pages = {b.pk: board_client.get(f"{BOARD_URL}{b.pk}/change/").content.decode() for b in Booking.objects.all()}

    assert "19:30–21:30" in page
    assert '<td class="field-tables">Four</td>' in page
    assert '<span class="tk-source">Walk-in</span>' in page
    assert "walkin+abc@system.local" not in page
    # Where the notifications go is a secondary fact: on the booking's page, not on the board.
    assert "field-notified" not in page
    assert "guest-facing" not in page
    assert "no email given (nothing is sent)" in pages[placeholder.pk]
    assert "(restaurant (guest left no email))" in "".join(pages.values())
    assert f"{guest.customer_email} (guest)" in pages[guest.pk]


def test_row_buttons_are_only_the_actions_valid_for_each_status(board_client, restaurant):
    expected = {
        S.PENDING: {"assign", "decline", "cancel"},
        S.PENDING_ALLOCATION: {"assign", "decline", "cancel"},
        S.CONFIRMED: {"check-in", "no-show", "cancel"},
        S.CHECKED_IN: {"check-out", "no-show"},
        S.NO_SHOW: {"undo-no-show"},
        S.COMPLETED: set(),
        S.CANCELLED: set(),
    }
    bookings = {status: BookingFactory(restaurant=restaurant, status=status) for status in expected}
    bookings[S.CONFIRMED].table_assignments.create(table=TableFactory(restaurant=restaurant))
    expected["confirmed without a table"] = {"assign", "check-in", "no-show", "cancel"}
    bookings["confirmed without a table"] = BookingFactory(restaurant=restaurant, confirmed=True)

    page = board_client.get(BOARD_URL).content.decode()

    for status, actions in expected.items():
        shown = {a for a in ("assign", "check-in", "check-out", "no-show", "undo-no-show", "decline", "cancel")
                 if f"/{bookings[status].pk}/board/{a}/" in page}  # fmt: skip
        assert shown == actions, status


def test_check_in_and_no_show_buttons_only_on_the_reservation_date(board_client, restaurant):
    tomorrow = BookingFactory(restaurant=restaurant, confirmed=True, booking_date=TODAY + dt.timedelta(days=1))

    page = board_client.get(BOARD_URL, {"booking_date": tomorrow.booking_date.isoformat()}).content.decode()

    shown = {a for a in ("check-in", "no-show", "cancel") if f"/{tomorrow.pk}/board/{a}/" in page}
    assert shown == {"cancel"}


def test_add_walk_in_replaces_the_add_form(board_client, superuser, client):
    page = board_client.get(BOARD_URL).content.decode()
    assert 'href="/ops/bookings/new"' in page
    assert board_client.get(f"{BOARD_URL}add/").status_code == 403
    client.force_login(superuser)
    assert client.get(f"{BOARD_URL}add/").status_code == 403


def test_search_by_reference_phone_email_or_name_across_days(board_client, restaurant):
    wanted = BookingFactory(
        restaurant=restaurant, customer_name="Grace Hopper", booking_date=TODAY + dt.timedelta(days=5)
    )
    BookingFactory(restaurant=restaurant, customer_name="Alan Turing")

    for term in (wanted.reference, wanted.customer_phone, wanted.customer_email, "hopper"):
        response = board_client.get(BOARD_URL, {"q": term})
        assert [b.pk for b in response.context["cl"].result_list] == [wanted.pk], term


def test_filters_by_status_source_and_type(board_client, restaurant):
    phone = BookingFactory(restaurant=restaurant, source="phone", booking_type="lunch")
    BookingFactory(restaurant=restaurant, checked_in=True)

    by_source = board_client.get(BOARD_URL, {"source__exact": "phone"})
    by_type = board_client.get(BOARD_URL, {"booking_type__exact": "lunch"})
    by_status = board_client.get(BOARD_URL, {"status__exact": "confirmed"})

    for response in (by_source, by_type, by_status):
        assert [b.pk for b in response.context["cl"].result_list] == [phone.pk]


def test_the_change_page_shows_history_read_only_and_status_is_not_editable(board_client, restaurant, board_host):
    booking = BookingFactory(restaurant=restaurant)
    lifecycle.booking_check_in(booking=booking, actor=board_host)

    page = board_client.get(f"{BOARD_URL}{booking.pk}/change/").content.decode()
    data = {**change_form_data(board_client.get(f"{BOARD_URL}{booking.pk}/change/")), "notes": "Window seat"}
    post = board_client.post(f"{BOARD_URL}{booking.pk}/change/", {**data, "status": "cancelled"})

    assert 'name="status"' not in page
    assert "checked_in" in page and board_host.username in page
    assert post.status_code == 302
    booking.refresh_from_db()
    assert booking.status == S.CHECKED_IN
    assert booking.notes == "Window seat"


# --- row actions ----------------------------------------------------------------------------------
def test_check_in_with_one_click_goes_through_the_service(board_client, restaurant, board_host):
    booking = BookingFactory(restaurant=restaurant)
    board = f"{BOARD_URL}?booking_date={TODAY}&status__exact=confirmed#booking-{booking.pk}"

    response = board_client.post(
        f"{_action(booking, 'check-in')}?_changelist_filters=booking_date%3D{TODAY}%26status__exact%3Dconfirmed"
    )

    assert response.status_code == 302 and response.url == board
    booking.refresh_from_db()
    assert booking.status == S.CHECKED_IN and booking.checked_in_at is not None
    change = booking.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by) == (S.CONFIRMED, S.CHECKED_IN, board_host)
    assert _messages(response) == [f"Checked in: {booking.reference} ({booking.customer_name})."]


@pytest.mark.parametrize(
    ("status", "action", "after"),
    [
        (S.CHECKED_IN, "check-out", S.COMPLETED),
        (S.CONFIRMED, "no-show", S.NO_SHOW),
        (S.NO_SHOW, "undo-no-show", S.CONFIRMED),
    ],
)
def test_other_one_click_actions(board_client, restaurant, board_host, status, action, after):
    booking = BookingFactory(restaurant=restaurant, status=status)

    response = board_client.post(_action(booking, action))

    assert response.status_code == 302
    assert response.url == f"{BOARD_URL}?booking_date={TODAY}&restaurant={restaurant.pk}#booking-{booking.pk}"
    booking.refresh_from_db()
    assert booking.status == after
    assert booking.status_changes.get().changed_by == board_host


def test_an_illegal_transition_is_a_message_not_an_error(board_client, restaurant):
    booking = BookingFactory(restaurant=restaurant, completed=True)

    response = board_client.post(_action(booking, "check-in"), follow=True)

    assert response.status_code == 200
    assert "Cannot move booking from completed to checked_in" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED
    assert not booking.status_changes.exists()


def test_check_in_on_another_day_is_refused_with_a_message(board_client, restaurant):
    booking = BookingFactory(restaurant=restaurant, booking_date=TODAY + dt.timedelta(days=1))

    response = board_client.post(_action(booking, "check-in"))

    assert "only possible on the reservation date" in _messages(response)[0]
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED


def test_actions_are_post_only_and_unknown_actions_are_404(board_client, restaurant):
    booking = BookingFactory(restaurant=restaurant)
    assert board_client.get(_action(booking, "check-in")).status_code == 405
    assert board_client.post(_action(booking, "explode")).status_code == 404
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED


def test_cancel_asks_for_confirmation_first(board_client, restaurant, board_host):
    booking = BookingFactory(restaurant=restaurant)

    page = board_client.get(_action(booking, "cancel"))
    booking.refresh_from_db()
    assert page.status_code == 200 and "Are you sure" in page.content.decode()
    assert booking.status == S.CONFIRMED

    unanswered = board_client.post(_action(booking, "cancel"), {"reason": "Guest phoned"})
    assert unanswered.status_code == 200 and "cancelled_by" in unanswered.context["form"].errors
    response = board_client.post(_action(booking, "cancel"), {"reason": "Kitchen flood", "cancelled_by": "restaurant"})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED
    change = booking.status_changes.get()
    assert (change.changed_by, change.reason, change.metadata) == (
        board_host,
        "Kitchen flood",
        {"cancelledBy": "staff"},
    )
    assert list(booking.notifications.values_list("kind", flat=True)) == ["restaurant_cancellation"]


def test_cancel_asks_who_cancelled_and_the_guest_hears_guest_cancellation(board_client, restaurant):
    booking = BookingFactory(restaurant=restaurant)

    page = board_client.get(_action(booking, "cancel")).content.decode()
    response = board_client.post(_action(booking, "cancel"), {"reason": "Guest phoned", "cancelled_by": "guest"})

    assert "Who cancelled?" in page and "The guest" in page and "The restaurant" in page
    assert response.status_code == 302
    assert booking.status_changes.get().metadata == {"cancelledBy": "guest"}
    assert list(booking.notifications.values_list("kind", flat=True)) == ["guest_cancellation"]


def test_decline_asks_for_the_reason_then_tells_the_guest_once(
    board_client, restaurant, board_host, django_capture_on_commit_callbacks
):
    booking = BookingFactory(restaurant=restaurant, pending_allocation=True, customer_email="grace@example.com")

    page = board_client.get(_action(booking, "decline"))
    assert page.status_code == 200
    assert "Decline this request? The guest is told by email" in page.content.decode()
    assert board_client.post(_action(booking, "decline"), {"reason": ""}).context["form"].errors == {
        "reason": ["This field is required."]
    }
    booking.refresh_from_db()
    assert booking.status == S.PENDING_ALLOCATION

    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(_action(booking, "decline"), {"reason": "A private party has the room"})

    assert response.status_code == 302
    assert f"Declined: {booking.reference} ({booking.customer_name})." in _messages(response)
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED
    change = booking.status_changes.get()
    assert (change.changed_by, change.reason) == (board_host, lifecycle.DECLINED)
    assert change.metadata == {"cancelledBy": "staff", "message": "A private party has the room"}
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["grace@example.com"], f"Update on your request – {restaurant.name}")
    ]
    assert "Message from the restaurant: A private party has the room" in mail.outbox[0].body
    assert f"/r/{restaurant.slug}/" in mail.outbox[0].body
    assert list(booking.notifications.exclude(dedupe_key="created").values_list("kind", flat=True)) == [
        "booking_declined"
    ]


def test_declining_a_confirmed_booking_is_refused_with_a_message(board_client, restaurant):
    booking = BookingFactory(restaurant=restaurant, confirmed=True)

    response = board_client.post(_action(booking, "decline"), {"reason": "Fully booked"})

    assert response.status_code == 302
    assert f"{booking.reference}: not possible for a Confirmed booking." in _messages(response)
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED


def test_bulk_decline_takes_one_reason_for_the_selection(board_client, restaurant):
    waiting = [BookingFactory(restaurant=restaurant, pending_allocation=True) for _ in range(2)]
    confirmed = BookingFactory(restaurant=restaurant, confirmed=True)
    selected = {"action": "bulk_decline", "_selected_action": [b.pk for b in [*waiting, confirmed]]}

    page = board_client.post(BOARD_URL, {**selected, "index": 0})
    assert page.status_code == 200 and "Decline these 3 requests?" in page.content.decode()

    response = board_client.post(BOARD_URL, {**selected, "confirm": "yes", "reason": "Kitchen closed"})

    assert response.status_code == 302
    assert any(confirmed.reference in m and "Only a request still waiting" in m for m in _messages(response))
    assert {b.status for b in Booking.objects.filter(pk__in=[b.pk for b in waiting])} == {S.CANCELLED}
    confirmed.refresh_from_db()
    assert confirmed.status == S.CONFIRMED


def test_assign_table_offers_free_tables_and_confirms(board_client, restaurant, two_and_four_tables, board_host):
    taken_by_other = BookingFactory(restaurant=restaurant, pending_allocation=True, party_size=2)
    lifecycle.booking_assign_tables(booking=taken_by_other, table_ids=[two_and_four_tables[0].pk], actor=board_host)
    TableFactory(restaurant=restaurant, name="Retired", max_seats=8, is_active=False)
    booking = BookingFactory(restaurant=restaurant, pending_allocation=True, party_size=3)

    page = board_client.get(_action(booking, "assign"))
    offered = {t.name for t in page.context["form"].fields["tables"].queryset}
    response = board_client.post(_action(booking, "assign"), {"tables": [two_and_four_tables[1].pk]})

    assert offered == {"Four"}
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert list(TableAssignment.objects.filter(booking=booking).values_list("table__name", flat=True)) == ["Four"]
    assert booking.status_changes.get().changed_by == board_host


def test_assigning_a_taken_table_is_a_message(board_client, restaurant, two_and_four_tables, board_host):
    first = BookingFactory(restaurant=restaurant, pending_allocation=True)
    lifecycle.booking_assign_tables(booking=first, table_ids=[two_and_four_tables[0].pk], actor=board_host)
    booking = BookingFactory(restaurant=restaurant, pending_allocation=True)

    response = board_client.post(_action(booking, "assign"), {"tables": [two_and_four_tables[0].pk]})

    assert response.status_code == 200  # the form again: the table is not a free choice
    assert response.context["form"].errors
    booking.refresh_from_db()
    assert booking.status == S.PENDING_ALLOCATION


@pytest.mark.parametrize("table_id", ["99999999999999999999", "-99999999999999999999", "1e5", "x"])
def test_a_table_id_no_table_can_have_is_a_form_error(board_client, restaurant, two_and_four_tables, table_id):
    booking = BookingFactory(restaurant=restaurant, pending_allocation=True)

    response = board_client.post(_action(booking, "assign"), {"tables": [table_id]})

    assert response.status_code == 200
    assert table_id in str(response.context["form"].errors["tables"])  # named as not a choice
    booking.refresh_from_db()
    assert booking.status == S.PENDING_ALLOCATION and not booking.table_assignments.exists()


# --- bulk actions ---------------------------------------------------------------------------------
def test_bulk_check_in_reports_successes_and_failures(board_client, restaurant, board_host):
    ok = BookingFactory(restaurant=restaurant)
    refused = BookingFactory(restaurant=restaurant, cancelled=True)

    response = board_client.post(
        BOARD_URL, {"action": "bulk_check_in", "_selected_action": [ok.pk, refused.pk], "index": 0}
    )

    assert response.status_code == 302
    messages = _messages(response)
    assert f"Checked in: {ok.reference} ({ok.customer_name})." in messages
    assert any(refused.reference in m and "Cannot move booking from cancelled" in m for m in messages)
    ok.refresh_from_db()
    refused.refresh_from_db()
    assert (ok.status, refused.status) == (S.CHECKED_IN, S.CANCELLED)
    assert BookingStatusChange.objects.filter(booking=ok, changed_by=board_host).exists()


def test_bulk_cancel_has_a_confirmation_step(board_client, restaurant):
    bookings = [BookingFactory(restaurant=restaurant), BookingFactory(restaurant=restaurant, pending_allocation=True)]
    selected = {"action": "bulk_cancel", "_selected_action": [b.pk for b in bookings]}

    confirm_page = board_client.post(BOARD_URL, {**selected, "index": 0})
    assert confirm_page.status_code == 200 and "Are you sure" in confirm_page.content.decode()
    assert all(b.status != S.CANCELLED for b in Booking.objects.all())

    response = board_client.post(
        BOARD_URL, {**selected, "confirm": "yes", "reason": "Kitchen closed", "cancelled_by": "restaurant"}
    )

    assert response.status_code == 302
    assert set(Booking.objects.values_list("status", flat=True)) == {S.CANCELLED}


# --- query count --------------------------------------------------------------------------------
def test_the_board_runs_a_fixed_number_of_queries_for_a_day_of_200(
    board_client, restaurant, two_and_four_tables, board_host, django_assert_max_num_queries
):
    for i in range(200):
        booking = BookingFactory(restaurant=restaurant, booking_date=TODAY, status=S.PENDING_ALLOCATION)
        if i % 50 == 0:
            TableAssignment.objects.create(booking=booking, table=two_and_four_tables[i % 2])
    board_client.get(BOARD_URL)  # warm the session

    with django_assert_max_num_queries(12):
        response = board_client.get(BOARD_URL)

    assert response.context["cl"].result_count == 200
    assert len(response.context["cl"].result_list) == 200


def test_the_board_renders_when_there_is_no_restaurant_yet(client, superuser):
    client.force_login(superuser)
    response = client.get(BOARD_URL)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hosts_clicking_at_once_exactly_one_wins(restaurant):
    booking = BookingFactory(restaurant=restaurant)
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(staff(restaurant, "host"))
        clients.append(client)
    clicks = [("check-in", {}), ("cancel", {"reason": "Guest phoned", "cancelled_by": "guest"})]

    outcomes = run_concurrently(lambda i: clients[i].post(_action(booking, clicks[i][0]), clicks[i][1]), 2)
    responses = {action: response for (action, _), response in zip(clicks, outcomes, strict=True)}

    booking.refresh_from_db()
    assert {r.status_code for r in responses.values()} == {302}
    assert booking.status in (S.CHECKED_IN, S.CANCELLED)
    assert booking.status_changes.count() == 1
    loser = "cancel" if booking.status == S.CHECKED_IN else "check-in"
    refused = list(get_messages(responses[loser].wsgi_request))
    assert [m.level_tag for m in refused] == ["error"]
    assert booking.reference in str(refused[0])
