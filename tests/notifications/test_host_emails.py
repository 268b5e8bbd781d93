"""The emails the host stand sees (issue 12 "Emails the host sees").

The staff new-request email carries the guest's phone and a link to the booking on the board; the
booking policy ("Tables are held for 15 minutes") is only on emails about a visit still to come.
"""

from __future__ import annotations

import pytest
from django.core import mail

from bookings.services import lifecycle
from notifications.emails import build_email
from notifications.models import Notification
from tests.builders import GUEST_CONTACTS

pytestmark = pytest.mark.django_db
POLICY = "Tables are held for 15 minutes."


@pytest.fixture
def with_policy(restaurant, settings):
    settings.SITE_URL = "https://ops.example.com"
    restaurant.booking_policy = POLICY
    restaurant.save()
    return restaurant


def _sent(kind: str):
    row = Notification.objects.get(kind=kind)
    [message] = [m for m in mail.outbox if f".notification-{row.pk}@" in m.extra_headers["Message-ID"]]
    return message


def test_the_staff_new_request_email_has_the_phone_and_the_board_link(make_booking, with_policy):
    booking = make_booking(**GUEST_CONTACTS)

    message = _sent("staff_new_request")

    board_link = f"https://ops.example.com/admin/bookings/booking/{booking.pk}/change/"
    assert message.to == [with_policy.contact_email]
    for body in (message.body, message.alternatives[0].content):
        assert booking.customer_phone in body
        assert board_link in body
        assert POLICY not in body


def test_the_policy_is_on_emails_about_a_coming_visit_only(make_booking, committed, with_policy):
    booking = make_booking(**GUEST_CONTACTS)
    with committed():
        lifecycle.booking_confirm(booking=booking, actor=None)
    with committed():
        lifecycle.booking_cancel(booking=booking, actor=None)

    for kind in ("request_received", "confirmation"):
        assert POLICY in _sent(kind).body, kind
    assert POLICY not in _sent("restaurant_cancellation").body
    assert POLICY not in _sent("restaurant_cancellation").alternatives[0].content


# The kinds about a visit still to come carry the policy; the rest (cancellations, a declined
# request, the review request after the visit, staff emails) do not.
COMING_VISIT = {"request_received", "confirmation", "updated", "modification_requested", "reminder_24h", "reminder_2h"}


@pytest.mark.parametrize("kind", Notification.Kind.values)
def test_the_policy_line_follows_the_kind(make_booking, with_policy, kind):
    booking = make_booking(**GUEST_CONTACTS)
    notification = Notification.objects.create(
        booking=booking,
        kind=kind,
        dedupe_key="policy-check",
        queued_at=booking.created_at,
        recipient=booking.customer_email,
        recipient_source="guest",
    )

    message = build_email(notification=notification)

    html = message.alternatives[0].content
    assert (POLICY in message.body, POLICY in html) == (kind in COMING_VISIT,) * 2
