"""The CSV export never hands a spreadsheet a formula (DESIGN 12, acceptance 6): a test per guest-typed column."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from rest_framework.test import APIClient

from tests.factories import BookingFactory, TableFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 6, 1)
PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
COLUMNS = {"name": "customer_name", "email": "customer_email", "phone": "customer_phone", "notes": "notes"}


@pytest.fixture
def host_api(host, restaurant) -> APIClient:
    TableFactory(restaurant=restaurant, max_seats=4)
    client = APIClient()
    client.force_authenticate(host)
    return client


def _exported(client) -> dict:
    response = client.get("/api/ops/bookings/export", {"date": DAY.isoformat()})
    assert response.status_code == 200
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    return row


@pytest.mark.parametrize("prefix", PREFIXES, ids=["equals", "plus", "minus", "at", "tab", "cr"])
@pytest.mark.parametrize("column", list(COLUMNS))
def test_every_guest_typed_column_is_formula_safe(host_api, restaurant, column, prefix):
    typed = f"{prefix}cmd|'/Ccalc'!A0" + ("@example.com" if column == "email" else "")
    BookingFactory(restaurant=restaurant, booking_date=DAY, **{COLUMNS[column]: typed})

    row = _exported(host_api)

    shown = typed.strip() if column == "email" else typed  # an email is shown trimmed (bookings.contacts)
    assert row[column] == (f"'{shown}" if shown[0] in "=+-@\t\r" else shown)
    assert row[column][0] not in "=+-@\t\r"


def test_the_issues_email_is_exported_as_text(host_api, restaurant):
    BookingFactory(restaurant=restaurant, booking_date=DAY, customer_email="=cmd|'/Ccalc'!A0@example.com")

    assert _exported(host_api)["email"] == "'=cmd|'/Ccalc'!A0@example.com"


def test_plain_values_are_exported_as_typed(host_api, restaurant):
    BookingFactory(
        restaurant=restaurant,
        booking_date=DAY,
        customer_name="Ada Lovelace",
        customer_email="ada@example.com",
        customer_phone="07911 123456",
        notes="window, please",
    )

    row = _exported(host_api)

    assert [row[c] for c in COLUMNS] == ["Ada Lovelace", "ada@example.com", "07911 123456", "window, please"]
