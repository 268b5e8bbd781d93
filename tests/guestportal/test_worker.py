"""The manage link for real (issue 10 acceptance 8): a booking over HTTP, the email through a real
Celery worker on Redis to an aiosmtpd sink, and the link in it followed against the live server.

The worker renders the email in its own process, days or seconds later, and builds the same token
the live server accepts (same SECRET_KEY, `SITE_URL` pointing at the live server).
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from bookings.models import Booking
from tests.builders import RequestBuilder, tomorrow
from tests.factories import RestaurantFactory, TableFactory
from tests.integration import broker_url, call_json, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

build = RequestBuilder(day=tomorrow)
LINK = re.compile(r"(http://[^\s\"<>]+/b/[A-Za-z0-9_-]{48})")


class Browser:
    """Just enough of a browser for the pages: cookies (session, CSRF) and redirects."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url: str) -> tuple[int, str, str]:
        with self.opener.open(url, timeout=20) as response:
            return response.status, response.geturl(), response.read().decode()

    def post_form(self, url: str, page: str) -> tuple[int, str, str]:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
        with self.opener.open(urllib.request.Request(url, data=data, method="POST"), timeout=20) as response:
            return response.status, response.geturl(), response.read().decode()


def test_the_manage_link_from_a_real_email_cancels_on_the_live_server(
    live_server, sink, queue, publisher, start_worker
):
    restaurant = RestaurantFactory(name="Bistro Lien", auto_allocate=False)
    TableFactory.create_batch(2, restaurant=restaurant, max_seats=4)
    handler, smtp_port = sink
    broker = broker_url()
    publisher(broker, queue)
    start_worker(broker_url=broker, queue=queue, smtp_port=smtp_port, env={"SITE_URL": live_server.url})

    status, answer = call_json(f"{live_server.url}/api/bookings", build.body(restaurant, email="lin@example.com"))
    assert status == 201, answer
    [received] = wait_until(lambda: handler.to("lin@example.com"), "the request email")

    assert received["Subject"] == "Reservation request received – Bistro Lien"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    [link] = LINK.findall(text)
    assert LINK.findall(html) == [link]
    assert link.startswith(f"{live_server.url}/b/")

    browser = Browser()
    status, _, page = browser.get(link)
    assert status == 200
    assert answer["booking"]["reference"] in page and "Bistro Lien" in page
    status, _, question = browser.get(f"{link}/cancel")
    assert "Cancel your booking?" in question
    status, landed, after = browser.post_form(f"{link}/cancel", question)
    assert (status, landed) == (200, link)  # redirected back to the booking
    assert "Your booking is cancelled." in after

    cancelled = wait_until(
        lambda: len(handler.to("lin@example.com")) == 2 and handler.to("lin@example.com")[1], "the cancellation"
    )
    assert cancelled["Subject"] == "Booking cancelled – Bistro Lien"
    assert LINK.findall(cancelled.get_body(("plain",)).get_content()) == [link]  # the same link, rebuilt
    desk = wait_until(
        lambda: [m for m in handler.to(restaurant.contact_email) if "cancelled by the guest" in m["Subject"]],
        "the restaurant's copy",
    )
    assert "/b/" not in desk[0].get_body(("plain",)).get_content()
    booking = Booking.objects.get()
    assert booking.status == "cancelled"
    change = booking.status_changes.first()
    assert (change.reason, change.changed_by) == ("guest", None)
