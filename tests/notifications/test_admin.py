"""The outbox in the admin: changelist, "send again" (bulk and per row, POST + CSRF), booking inline."""

from __future__ import annotations

import re
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse

from bookings.services.creation import Channel
from notifications.models import Notification
from notifications.tasks import send_notification
from restaurants.services import membership_grant
from tests.builders import GUEST_CONTACTS
from tests.factories import RestaurantFactory, UserFactory
from tests.notifications.conftest import build

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/notifications/notification/"


def _send_again_url(notification) -> str:
    return reverse("admin:notifications_notification_send_again", args=[notification.pk])


def _booking_page(booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


@pytest.fixture
def csrf_host_client(restaurant):
    user = UserFactory()
    membership_grant(user=user, restaurant=restaurant, role="host")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf(client, url) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


@pytest.fixture
def failed(restaurant, committed, monkeypatch):
    """A walk-in whose email the server refused until the retries ran out."""

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"guest": (450, b"mailbox unavailable")})

    with monkeypatch.context() as patch, committed():
        patch.setattr(EmailBackend, "send_messages", refuse)
        patch.setattr(send_notification, "max_retries", 0)
        build.create(restaurant, channel=Channel.OPS)
    notification = Notification.objects.get()
    assert notification.status == "failed"
    return notification


def test_changelist_filters_and_searches_by_reference(admin_client, failed, make_booking):
    other = make_booking(channel=Channel.OPS, **GUEST_CONTACTS)

    page = admin_client.get(CHANGELIST, {"status__exact": "failed"}).content.decode()
    assert failed.booking.reference in page and other.reference not in page
    page = admin_client.get(CHANGELIST, {"q": other.reference}).content.decode()
    assert other.reference in page and failed.booking.reference not in page
    page = admin_client.get(CHANGELIST, {"kind__exact": "request_received"}).content.decode()
    assert failed.booking.reference in page and other.reference in page
    page = admin_client.get(CHANGELIST, {"kind__exact": "confirmation"}).content.decode()
    assert failed.booking.reference not in page and other.reference not in page


def test_the_changelist_is_read_only(admin_client, failed):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    page = admin_client.get(f"{CHANGELIST}{failed.pk}/change/").content.decode()
    assert "SMTPRecipientsRefused" in page and 'name="_save"' not in page


def test_staff_see_only_their_restaurants_rows(failed, csrf_host_client):
    stranger = UserFactory()
    membership_grant(user=stranger, restaurant=RestaurantFactory(), role="owner")
    client = Client()
    client.force_login(stranger)

    assert failed.booking.reference not in client.get(CHANGELIST).content.decode()
    assert failed.booking.reference in csrf_host_client.get(CHANGELIST).content.decode()


def test_send_again_action_requeues_the_same_failed_rows(admin_client, failed, make_booking, committed):
    sent = make_booking(channel=Channel.OPS, **GUEST_CONTACTS)
    mail.outbox.clear()

    with committed():
        response = admin_client.post(
            CHANGELIST,
            {"action": "send_again", "_selected_action": list(Notification.objects.values_list("pk", flat=True))},
            follow=True,
        )

    assert "1 notification(s) queued to be sent again." in response.content.decode()
    assert "1 selected notification(s) had not failed" in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 2)
    assert [m.to for m in mail.outbox] == [[failed.booking.restaurant.contact_email]]
    assert Notification.objects.filter(booking=sent).count() == 1


def test_booking_page_lists_notifications_with_a_send_again_button(csrf_host_client, failed):
    page = csrf_host_client.get(_booking_page(failed.booking)).content.decode()

    inline = page.split('id="notifications-group"')[-1][:5000]
    assert 'id="notifications-group"' in page
    assert failed.recipient in inline and "Request received" in inline
    assert f'formaction="{_send_again_url(failed)}"' in page
    assert "SMTPRecipientsRefused" in page
    assert "system.local" not in inline


def test_the_row_button_posts_with_csrf_and_sends_once(csrf_host_client, failed, committed):
    booking_page = _booking_page(failed.booking)
    token = _csrf(csrf_host_client, booking_page)

    assert csrf_host_client.post(_send_again_url(failed)).status_code == 403  # no CSRF token
    assert csrf_host_client.get(_send_again_url(failed)).status_code == 405
    with committed():
        response = csrf_host_client.post(_send_again_url(failed), {"csrfmiddlewaretoken": token})
    assert (response.status_code, response["Location"]) == (302, booking_page)
    with committed():  # a second click: the row is no longer failed
        csrf_host_client.post(_send_again_url(failed), {"csrfmiddlewaretoken": token})

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1
    assert "Only failed notifications can be sent again" in csrf_host_client.get(booking_page).content.decode()


def test_send_again_is_scoped_to_the_users_restaurants(failed):
    stranger = UserFactory()
    membership_grant(user=stranger, restaurant=RestaurantFactory(), role="owner")
    client = Client()
    client.force_login(stranger)

    assert client.post(_send_again_url(failed)).status_code == 404
    failed.refresh_from_db()
    assert failed.status == "failed"
