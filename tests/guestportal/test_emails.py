"""Which link an email carries (DESIGN 6, 10; issue 10 acceptance 8).

Every guest-facing email sent to the guest carries the booking's manage link, built from
`SITE_URL`, in its text and its HTML; the same kinds sent to the restaurant as the fallback
recipient, and every staff email, carry the link to the booking on the ops board instead, never
the manage link (the restaurant is not the guest).
"""

from __future__ import annotations

import pytest
from django.core import mail

from bookings.models import Booking
from bookings.services.creation import Channel
from bookings.tokens import manage_token
from notifications.models import Notification
from notifications.tasks import send_notification
from tests.guestportal.conftest import build
from tests.notifications.test_emails import KINDS_AND_STATUSES

pytestmark = pytest.mark.django_db

SITE = "https://book.example.com"
GUEST_FACING = sorted(set(KINDS_AND_STATUSES) - {k.value for k in Notification.STAFF_KINDS})
STAFF = sorted(k.value for k in Notification.STAFF_KINDS)


@pytest.fixture(autouse=True)
def _site(settings, restaurant):
    settings.SITE_URL = SITE + "/"  # a trailing slash makes no double slash
    restaurant.review_url = "https://reviews.example.com/bistro"
    restaurant.save()


def _send(booking: Booking, kind: str):
    status = KINDS_AND_STATUSES[kind]
    stamps = {"checked_in_at": booking.start_at, "checked_out_at": booking.end_at} if status == "completed" else {}
    Booking.objects.filter(pk=booking.pk).update(status=status, **stamps)
    mail.outbox.clear()
    row = Notification.objects.create(
        booking=booking, kind=kind, dedupe_key=f"{kind}:{booking.start_at.isoformat()}", queued_at=booking.created_at
    )
    send_notification.delay(row.pk)
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("sent", "")
    [message] = mail.outbox
    return row, message.body, message.alternatives[0].content


def _links(booking: Booking) -> tuple[str, str]:
    return f"{SITE}/b/{manage_token(booking)}", f"{SITE}/admin/bookings/booking/{booking.pk}/change/"


@pytest.mark.parametrize("kind", GUEST_FACING)
def test_guest_emails_to_the_guest_carry_the_manage_link(restaurant, tables, kind):
    booking = build.create(restaurant).booking
    manage, board = _links(booking)

    row, text, html = _send(booking, kind)

    assert (row.recipient, row.recipient_source) == ("ada@example.com", "guest")
    assert f"Manage your booking: {manage}\n" in text
    assert f'<a href="{manage}"' in html and ">Manage your booking</a>" in html
    assert board not in text + html and "/admin/" not in text + html


@pytest.mark.parametrize("kind", sorted(set(GUEST_FACING) - {k.value for k in Notification.GUEST_ONLY_KINDS}))
def test_the_restaurants_fallback_copy_carries_the_board_link_instead(restaurant, tables, kind):
    booking = build.create(restaurant, channel=Channel.OPS).booking  # a walk-in who left no email
    manage, board = _links(booking)

    row, text, html = _send(booking, kind)

    assert (row.recipient, row.recipient_source) == (restaurant.contact_email, "restaurant_fallback")
    assert "The guest did not leave an email address" in text
    assert f"Open the booking on the ops board: {board}\n" in text
    assert f'<a href="{board}"' in html
    assert manage not in text + html and "/b/" not in text + html


@pytest.mark.parametrize("kind", STAFF)
def test_staff_emails_carry_the_board_link_never_the_manage_link(restaurant, tables, kind):
    booking = build.create(restaurant).booking  # a guest who gave their email
    manage, board = _links(booking)

    row, text, html = _send(booking, kind)

    assert row.recipient == restaurant.contact_email
    assert board in text and f'<a href="{board}"' in html
    assert manage not in text + html and "/b/" not in text + html


def test_every_kind_is_covered():
    assert set(GUEST_FACING) | set(STAFF) == set(Notification.Kind.values)
    assert {"modification_requested", "guest_cancellation", "request_received"} <= set(GUEST_FACING)
    assert {"staff_guest_changed", "staff_guest_cancelled"} <= set(STAFF)
