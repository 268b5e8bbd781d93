"""The board at service time (DESIGN 7 "Host stand", issue 12): what the rows say, seat walk-in, better choices.

Now is 12:00 in London on Tuesday 2 June 2026 (tests/admin/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages

from bookings.models import Booking
from bookings.services import lifecycle
from bookings.services.creation import Channel
from restaurants.models import TableGroup
from tests.admin.conftest import BOARD_URL, TODAY, build
from tests.factories import BookingFactory, TableFactory

pytestmark = pytest.mark.django_db
S = Booking.Status
SEAT_URL = f"{BOARD_URL}seat/"


@pytest.fixture
def board_client(client, board_host):
    client.force_login(board_host)
    return client


@pytest.fixture
def floor(restaurant):
    """A 6-top, a 4-top and a 2-top (created largest first), and a group of the 4 and the 6."""
    tables = {
        n: TableFactory(restaurant=restaurant, name=n, max_seats=s) for n, s in (("Six", 6), ("Four", 4), ("Two", 2))
    }
    group = TableGroup.objects.create(restaurant=restaurant, name="Long", min_seats=7, max_seats=10)
    group.tables.set([tables["Four"], tables["Six"]])
    return tables


def _at(hour: int, minute: int = 0) -> dict:
    start = dt.time(hour, minute)
    end = (dt.datetime.combine(TODAY, start) + dt.timedelta(hours=2)).time()
    return {"start_time": start, "end_time": end}


def _row(page: str, booking) -> str:
    match = re.search(rf'<tr id="booking-{booking.pk}"[^>]*>.*?</tr>', page, re.S)
    assert match, f"no row for {booking.reference}"
    return match.group(0)


# --- the rows -------------------------------------------------------------------------------------
def test_every_row_has_its_anchor(board_client, restaurant):
    booking = BookingFactory(restaurant=restaurant)
    assert f'<tr id="booking-{booking.pk}"' in board_client.get(BOARD_URL).content.decode()


def test_confirmed_guests_15_minutes_late_are_flagged(board_client, restaurant):
    late = BookingFactory(restaurant=restaurant, **_at(11, 40))
    on_time = BookingFactory(restaurant=restaurant, **_at(11, 50))
    seated = BookingFactory(restaurant=restaurant, checked_in=True, **_at(11, 0))

    page = board_client.get(BOARD_URL).content.decode()

    assert 'class="tk-late"' in _row(page, late) and "20 min late" in _row(page, late)
    assert "min late" not in _row(page, on_time) and "min late" not in _row(page, seated)
    very_late = BookingFactory(restaurant=restaurant, **_at(10, 55))
    assert "1 h 5 min late" in _row(board_client.get(BOARD_URL).content.decode(), very_late)


def test_earlier_finished_bookings_are_collapsed_behind_a_toggle(board_client, restaurant):
    done = BookingFactory(restaurant=restaurant, completed=True, **_at(10))
    gone = BookingFactory(restaurant=restaurant, cancelled=True, **_at(11))
    cancelled_later = BookingFactory(restaurant=restaurant, cancelled=True, **_at(19))
    current = BookingFactory(restaurant=restaurant, checked_in=True, **_at(11, 30))

    page = board_client.get(BOARD_URL).content.decode()

    assert 'class="tk-earlier"' in _row(page, done) and 'class="tk-earlier"' in _row(page, gone)
    assert "tk-earlier" not in _row(page, cancelled_later) and "tk-earlier" not in _row(page, current)
    assert 'id="tk-show-earlier"' in page and "<span data-tk-earlier-count>2</span> earlier finished bookings" in page


def test_another_day_collapses_nothing(board_client, restaurant):
    BookingFactory(restaurant=restaurant, completed=True, booking_date=TODAY - dt.timedelta(days=1))
    page = board_client.get(BOARD_URL, {"booking_date": "2026-06-01"}).content.decode()
    assert "tk-show-earlier" not in page


def test_notes_and_seating_preference_are_on_the_row(board_client, restaurant):
    booking = BookingFactory(restaurant=restaurant, notes="Nut allergy; birthday", seating_preference="window")
    plain = BookingFactory(restaurant=restaurant)

    page = board_client.get(BOARD_URL).content.decode()

    assert "Note: Nut allergy; birthday" in _row(page, booking) and "Seating: Window" in _row(page, booking)
    assert "tk-extra" not in _row(page, plain)


def test_search_covers_every_day_and_shows_the_date_even_from_a_chosen_day(board_client, restaurant):
    later = BookingFactory(restaurant=restaurant, customer_name="Grace Hopper", booking_date=dt.date(2026, 6, 9))
    BookingFactory(restaurant=restaurant, customer_name="Alan Turing")

    response = board_client.get(BOARD_URL, {"q": "hopper", "booking_date": "2026-06-02"})

    assert [b.pk for b in response.context["cl"].result_list] == [later.pk]
    page = response.content.decode()
    assert '<span class="tk-date">Tue 9 Jun 2026</span> 19:00–21:00' in page
    assert "search across all days" in page
    assert all("q=" not in link["query_string"] for link in response.context["day_links"])


def test_columns_do_not_sort_and_the_bulk_actions_sit_below_the_list(board_client, restaurant):
    BookingFactory(restaurant=restaurant)
    page = board_client.get(BOARD_URL).content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]
    assert "<a " not in head  # no sorting links between the search box and the first row
    assert page.index('id="result_list"') < page.index('name="action"')


def test_the_filters_fold_into_a_disclosure(board_client, restaurant):
    page = board_client.get(BOARD_URL).content.decode()
    assert '<details class="tk-filters">' in page and page.count('id="changelist-filter"') == 1


# --- seat walk-in -------------------------------------------------------------------------------
def test_the_seat_control_is_on_todays_board_only(board_client, restaurant):
    assert "Seat walk-in" in board_client.get(BOARD_URL).content.decode()
    assert "data-tk-seat>" not in board_client.get(BOARD_URL, {"booking_date": "2026-06-03"}).content.decode()


def test_party_chips_lead_to_the_free_tables_best_fit_first(board_client, restaurant, floor):
    page = board_client.get(SEAT_URL, {"restaurant": restaurant.pk, "party": 3}).content.decode()

    choices = re.findall(r'name="tables" value="([^"]+)"', page)
    assert choices == [str(floor["Four"].pk), str(floor["Six"].pk)]
    assert "wasteful: leaves 3 empty" in page and "Free now for 3: 12:00–13:30, lunch" in page
    assert all(f">{n}</button>" in page for n in range(1, 9))


def test_any_party_size_and_a_group(board_client, restaurant, floor):
    page = board_client.get(SEAT_URL, {"restaurant": restaurant.pk, "other": 8}).content.decode()
    group = "+".join(str(pk) for pk in sorted([floor["Four"].pk, floor["Six"].pk]))
    assert re.findall(r'name="tables" value="([^"]+)"', page) == [group]
    assert "Long (Four + Six)" in page


@pytest.mark.parametrize("party", ["0", "x", "501"])
def test_a_party_size_that_is_not_one_says_so(board_client, restaurant, party):
    response = board_client.get(SEAT_URL, {"restaurant": restaurant.pk, "other": party})
    assert response.status_code == 200 and "Give a party size from 1 to 500." in response.content.decode()


def test_one_press_seats_the_party_and_returns_to_its_row(board_client, restaurant, floor, board_host):
    data = {"party": 3, "tables": str(floor["Four"].pk), "key": "k-1", "name": ""}
    response = board_client.post(f"{SEAT_URL}?restaurant={restaurant.pk}", data)
    again = board_client.post(f"{SEAT_URL}?restaurant={restaurant.pk}", data)

    booking = Booking.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"#booking-{booking.pk}")
    assert again.url == response.url  # the same key: the same walk-in, not a second one
    assert (booking.status, booking.customer_name, booking.created_by) == (S.CHECKED_IN, "Walk-in", board_host)
    assert f"Seated: {booking.reference} (Walk-in, 3) at Four." in [str(m) for m in get_messages(response.wsgi_request)]


def test_a_table_taken_meanwhile_comes_back_to_the_choices_with_the_reason(board_client, restaurant, floor, board_host):
    taken = BookingFactory(restaurant=restaurant, pending_allocation=True, **_at(12))
    lifecycle.booking_assign_tables(booking=taken, table_ids=[floor["Four"].pk], actor=board_host)

    response = board_client.post(
        f"{SEAT_URL}?restaurant={restaurant.pk}", {"party": 3, "tables": str(floor["Four"].pk), "key": "k-2"}
    )

    assert response.status_code == 302 and response.url.startswith(SEAT_URL) and "party=3" in response.url
    assert any("Not seated: Already taken at that time: Four" in str(m) for m in get_messages(response.wsgi_request))
    assert Booking.objects.count() == 1


def test_a_table_id_no_table_can_have_seats_nobody(board_client, restaurant, floor):
    response = board_client.post(
        f"{SEAT_URL}?restaurant={restaurant.pk}", {"party": 2, "tables": "99999999999999999999", "key": "k-3"}
    )

    assert response.status_code == 302 and response.url.startswith(SEAT_URL)
    assert any("Not seated" in str(m) for m in get_messages(response.wsgi_request))
    assert not Booking.objects.exists()


def test_seating_needs_the_change_permission(client, restaurant, floor):
    from tests.admin.conftest import staff

    viewer = staff(restaurant, "host")
    viewer.groups.clear()
    client.force_login(viewer)
    assert client.get(SEAT_URL, {"restaurant": restaurant.pk, "party": 2}).status_code == 403


# --- better choices: the table picker, the booking's page, the history in words ----------------------
def test_the_table_picker_offers_best_fit_first_with_groups_and_marks_waste(board_client, restaurant, floor):
    booking = BookingFactory(restaurant=restaurant, pending_allocation=True, party_size=3)
    big = BookingFactory(restaurant=restaurant, pending_allocation=True, party_size=8, **_at(13))

    form = board_client.get(f"{BOARD_URL}{booking.pk}/board/assign/").context["form"]
    big_form = board_client.get(f"{BOARD_URL}{big.pk}/board/assign/").context["form"]

    assert [label for _, label in form.fields["seat"].choices] == [
        "Four · Indoor · 4 seats",
        "Six · Indoor · 6 seats · wasteful: leaves 3 empty",
    ]
    assert form.initial["seat"] == str(floor["Four"].pk)
    assert [label for _, label in big_form.fields["seat"].choices] == [
        "Long (Four + Six) · Indoor · 10 seats · wasteful: leaves 2 empty"
    ]
    response = board_client.post(f"{BOARD_URL}{big.pk}/board/assign/", {"seat": big_form.fields["seat"].choices[0][0]})
    assert response.status_code == 302
    assert sorted(big.table_assignments.values_list("table__name", flat=True)) == ["Four", "Six"]


def test_a_combination_too_small_is_refused_on_the_form(board_client, restaurant, floor):
    booking = BookingFactory(restaurant=restaurant, pending_allocation=True, party_size=5)

    response = board_client.post(f"{BOARD_URL}{booking.pk}/board/assign/", {"tables": [floor["Two"].pk]})

    assert response.status_code == 200
    assert "The tables seat 2; the party is 5" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == S.PENDING_ALLOCATION


def test_the_bookings_page_offers_its_actions(board_client, restaurant):
    booking = BookingFactory(restaurant=restaurant)
    page = board_client.get(f"{BOARD_URL}{booking.pk}/change/").content.decode()

    assert f'formaction="{BOARD_URL}{booking.pk}/board/check-in/?_to=page"' in page
    assert f'href="{BOARD_URL}{booking.pk}/board/modify/?_to=page"' in page
    assert f'href="{BOARD_URL}{booking.pk}/board/cancel/?_to=page"' in page
    response = board_client.post(f"{BOARD_URL}{booking.pk}/board/check-in/?_to=page")
    assert response.url == f"{BOARD_URL}{booking.pk}/change/"


def test_changing_date_time_and_party_goes_through_booking_modify(board_client, restaurant, floor, board_host):
    booking = build.create(restaurant, channel=Channel.OPS, actor=board_host).booking
    lifecycle.booking_assign_tables(booking=booking, table_ids=[floor["Two"].pk], actor=board_host)
    url = f"{BOARD_URL}{booking.pk}/board/modify/?_to=page"

    page = board_client.get(url)
    response = board_client.post(url, {"booking_date": "2026-06-03", "start_time": "20:30", "party_size": "4"})

    assert page.status_code == 200 and page.context["form"].initial["start_time"] == "19:00"
    assert response.status_code == 302 and response.url == f"{BOARD_URL}{booking.pk}/change/"
    booking.refresh_from_db()
    assert (booking.booking_date, booking.start_time, booking.party_size) == (dt.date(2026, 6, 3), dt.time(20, 30), 4)
    assert booking.status == S.PENDING_ALLOCATION  # a confirmed booking gives up its tables (DESIGN 4)
    change = booking.status_changes.first()
    assert (change.reason, change.changed_by) == ("modified", board_host)


def test_a_slot_the_rules_refuse_shows_the_form_again_with_the_reason(board_client, restaurant, floor, board_host):
    booking = build.create(restaurant, channel=Channel.OPS, actor=board_host).booking
    url = f"{BOARD_URL}{booking.pk}/board/modify/"

    response = board_client.post(url, {"booking_date": "2026-06-03", "start_time": "23:30", "party_size": "2"})
    garbled = board_client.post(url, {"booking_date": "2026-06-03", "start_time": "2100", "party_size": "2"})

    assert response.status_code == 200 and "Booking validation failed" in response.content.decode()
    assert garbled.status_code == 200 and "start_time" in garbled.context["form"].errors
    booking.refresh_from_db()
    assert booking.start_time == dt.time(19)


def test_the_history_reads_in_words(board_client, restaurant, floor, board_host):
    booking = build.create(restaurant, channel=Channel.OPS, actor=board_host).booking
    lifecycle.booking_assign_tables(booking=booking, table_ids=[floor["Two"].pk], actor=board_host)
    lifecycle.booking_cancel(booking=booking, actor=board_host, by_guest=True, reason="Phoned")

    page = board_client.get(f"{BOARD_URL}{booking.pk}/change/").content.decode()

    for words in ("Created as Pending allocation", "Pending allocation → Confirmed", "Tables assigned",
                  "Confirmed → Cancelled", "Phoned; cancelled by the guest"):  # fmt: skip
        assert words in page, words
    assert "tables_assigned" not in page and "pending_allocation →" not in page


@pytest.mark.parametrize("day", ["2026-13-45", "0001-01-01", "9999-12-31", "abc"])
def test_the_seat_page_with_a_day_the_board_cannot_show_goes_back_to_the_board(board_client, restaurant, day):
    response = board_client.get(SEAT_URL, {"restaurant": restaurant.pk, "booking_date": day, "party": 2})

    assert response.status_code == 302 and response["Location"].endswith("?e=1")


@pytest.mark.parametrize("selected", ["notauuid", "0", "x" * 300])
def test_a_bulk_action_on_an_id_that_is_no_key_changes_nothing(board_client, restaurant, selected):
    booking = BookingFactory(restaurant=restaurant)

    response = board_client.post(BOARD_URL, {"action": "bulk_check_in", "_selected_action": [selected, booking.pk]})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN  # the one real booking, and only it
