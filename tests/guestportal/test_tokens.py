"""The manage link's token (DESIGN 10; issue 10 acceptance 3).

128 bits of secret or more, never in the database in plain text, built again identically when an
email is rendered days later, revoked by rotating the booking's nonce; anything but a live token is a
404 that changes nothing, on the JSON API and on the pages alike; lookups are throttled per client IP.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.apps import apps
from django.core import mail
from django.db import models
from django.db.models.functions import Cast

from bookings.models import Booking
from bookings.services.guests import manage_link_revoke
from bookings.tokens import VALID_AFTER_END, booking_for_token, manage_token
from notifications.models import Notification
from notifications.tasks import send_notification
from tests.factories import BookingFactory
from tests.guestportal.conftest import API, CANCEL_API, build, snapshot

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_a_token_carries_more_than_128_bits_of_secret(guest_booking, settings):
    token = manage_token(guest_booking)
    raw = _raw(token)
    secret = raw[16:]  # what follows the booking id is the MAC only the server can make

    assert raw[:16] == guest_booking.pk.bytes
    assert len(secret) * 8 >= 128
    assert len(bytes.fromhex(guest_booking.manage_nonce)) * 8 == 128  # and a random nonce per booking
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    assert manage_token(guest_booking)[:21] == token[:21]  # the same booking id ...
    assert _raw(manage_token(guest_booking))[16:] != secret  # ... and another secret: the key is part of it
    assert booking_for_token(token) is None


def _stored_text_columns():
    """Every text, char and JSON column of every table the project's models (Django's included) own."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS):
                yield model, field


def test_the_raw_token_is_never_stored(client, api_client, restaurant, tables, committed):
    """Acceptance 3: after bookings were made, mailed, looked up, changed and cancelled through every
    entry point, no text column of any table holds a token (nor its secret part, hex or base64)."""
    with committed():
        made = [build.create(restaurant, email=f"guest{i}@example.com", time=f"1{i}:00").booking for i in range(5)]
        api_client.post("/api/bookings", build.body(restaurant, email="api@example.com"), format="json")
    tokens = [manage_token(booking) for booking in Booking.objects.all()]
    assert len(tokens) == 6
    assert all(any(f"/b/{token}" in m.body for m in mail.outbox) for token in tokens)  # they were mailed
    with committed():
        assert client.get(f"/b/{tokens[0]}").status_code == 200
        assert api_client.get(API.format(token=tokens[1])).status_code == 200
        assert client.post(f"/b/{tokens[2]}/consent", {"marketingOptIn": "on"}).status_code == 302
        assert api_client.patch(API.format(token=tokens[3]), {"party": 3}, format="json").status_code == 200
        assert client.post(f"/b/{tokens[4]}/cancel").status_code == 302
        assert api_client.post(CANCEL_API.format(token=tokens[5])).status_code == 200
    assert Notification.objects.filter(status="sent").count() >= 12
    assert made

    needles = []
    for token in tokens:
        secret = _raw(token)[16:]
        needles += [token, secret.hex(), base64.urlsafe_b64encode(secret).decode().rstrip("=")]
    columns = list(_stored_text_columns())
    assert {(m._meta.db_table, f.column) for m, f in columns} >= {
        ("bookings_booking", "details"),
        ("bookings_booking", "manage_nonce"),
        ("notifications_notification", "last_error"),
        ("django_session", "session_data"),
    }
    found = []
    for model, field in columns:
        text = model._default_manager.annotate(_text=Cast(field.attname, models.TextField()))
        for needle in needles:
            if text.filter(_text__contains=needle).exists():
                found.append((model._meta.db_table, field.column, needle))
    assert found == []


def test_a_token_is_rebuilt_identically_days_later(committed, guest_booking, token, time_machine):
    """The reminder sent days later carries the very link the request email carried."""
    first = next(m for m in mail.outbox if m.to == ["ada@example.com"])
    assert f"/b/{token}" in first.body

    time_machine.move_to(dt.datetime(2026, 6, 9, 18, 0, tzinfo=dt.UTC), tick=False)
    Booking.objects.filter(pk=guest_booking.pk).update(status="confirmed")
    mail.outbox.clear()
    reminder = Notification.objects.create(
        booking=guest_booking,
        kind="reminder_24h",
        dedupe_key=f"reminder_24h:{guest_booking.start_at.isoformat()}",
        queued_at=dt.datetime.now(dt.UTC),
    )
    send_notification.delay(reminder.pk)

    [message] = mail.outbox
    assert manage_token(Booking.objects.get(pk=guest_booking.pk)) == token
    assert f"http://127.0.0.1:8000/b/{token}" in message.body
    assert f"http://127.0.0.1:8000/b/{token}" in message.alternatives[0].content


def test_rotating_the_nonce_revokes_every_link(client, api_client, guest_booking, token):
    manage_link_revoke(booking=guest_booking)
    new = manage_token(Booking.objects.get(pk=guest_booking.pk))

    assert new != token
    assert api_client.get(API.format(token=token)).status_code == 404
    assert client.get(f"/b/{token}").status_code == 404
    assert api_client.get(API.format(token=new)).status_code == 200
    assert client.get(f"/b/{new}").status_code == 200


def _tampered(token: str, other: Booking) -> dict[str, str]:
    flip = "A" if token[30] != "A" else "B"
    return {
        "mac changed": token[:30] + flip + token[31:],
        "another booking's id": manage_token(other)[:22] + token[22:],
        "truncated": token[:-1],
        "one more character": token + "A",
        "padded": token + "==",
        "standard base64 alphabet": token.replace("-", "+") if "-" in token else "+" + token[1:],
        "junk of the right length": "!" * len(token),
        "letters of the right length": "a" * len(token),
        "empty-ish": "x",
        "unicode": "é" * len(token),
        "huge": "A" * 5000,
    }


ENTRY_POINTS = {
    "api get": lambda c, a, t: a.get(API.format(token=t)),
    "api patch": lambda c, a, t: a.patch(API.format(token=t), {"party": 4}, format="json"),
    "api cancel": lambda c, a, t: a.post(CANCEL_API.format(token=t)),
    "page": lambda c, a, t: c.get(f"/b/{t}"),
    "change page": lambda c, a, t: c.get(f"/b/{t}/change", {"date": "2026-06-10", "party": "4"}),
    "change": lambda c, a, t: c.post(f"/b/{t}/change", {"date": "2026-06-10", "time": "18:00", "party": "4"}),
    "cancel page": lambda c, a, t: c.get(f"/b/{t}/cancel"),
    "cancel": lambda c, a, t: c.post(f"/b/{t}/cancel"),
    "consent": lambda c, a, t: c.post(f"/b/{t}/consent", {"marketingOptIn": "on"}),
    "calendar": lambda c, a, t: c.get(f"/b/{t}/calendar.ics"),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_tampered_revoked_expired_or_malformed_tokens_are_404_and_change_nothing(
    client, api_client, restaurant, guest_booking, token, entry, time_machine
):
    other = BookingFactory(restaurant=restaurant, start_time=dt.time(12), end_time=dt.time(13))
    before = snapshot(guest_booking)
    call = ENTRY_POINTS[entry]

    answers = {name: call(client, api_client, bad) for name, bad in _tampered(token, other).items()}
    manage_link_revoke(booking=Booking.objects.get(pk=other.pk))
    answers["revoked"] = call(client, api_client, manage_token(other))
    before = {**before, "updated_at": Booking.objects.get(pk=guest_booking.pk).updated_at}
    time_machine.move_to(guest_booking.end_at + VALID_AFTER_END + dt.timedelta(seconds=1), tick=False)
    answers["expired"] = call(client, api_client, token)

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 404)
    if entry.startswith("api"):
        assert {name: r.content for name, r in answers.items()} == dict.fromkeys(answers, b'{"error":"Not found"}')
    assert snapshot(guest_booking) == before


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_null_character_in_a_token_is_refused_before_any_lookup(client, api_client, guest_booking, token, entry):
    """A null character is bad input wherever it is (config.middleware): 400, never a lookup."""
    before = snapshot(guest_booking)
    response = ENTRY_POINTS[entry](client, api_client, token[:-1] + "\x00")
    assert response.status_code == 400
    if entry.startswith("api"):
        assert response.json()["error"] == "Invalid payload"
    assert snapshot(guest_booking) == before


def test_a_token_is_valid_until_30_days_after_the_end(client, guest_booking, token, time_machine):
    time_machine.move_to(guest_booking.end_at + dt.timedelta(days=30), tick=False)
    assert client.get(f"/b/{token}").status_code == 200
    time_machine.move_to(guest_booking.end_at + dt.timedelta(days=30, seconds=1), tick=False)
    assert client.get(f"/b/{token}").status_code == 404


def test_a_lookup_is_one_indexed_query(token, django_assert_num_queries):
    with django_assert_num_queries(1) as queries:
        assert booking_for_token(token) is not None
    assert '"bookings_booking"."id" =' in queries.captured_queries[0]["sql"]


@pytest.mark.parametrize("where", ["api", "page", "calendar", "api and pages"])
def test_31_lookups_a_minute_from_one_ip_are_429(client, api_client, token, where, time_machine):
    calls = {
        "api": [lambda t: api_client.get(API.format(token=t))],
        "page": [lambda t: client.get(f"/b/{t}")],
        "calendar": [lambda t: client.get(f"/b/{t}/calendar.ics")],
        "api and pages": [lambda t: api_client.get(API.format(token=t)), lambda t: client.get(f"/b/{t}/cancel")],
    }[where]
    answers = []
    for i in range(30):
        answers.append(calls[i % len(calls)](token if i % 3 else "not-a-token").status_code)
    assert set(answers) == {200, 404}  # guesses count as lookups too

    limited = [call(token) for call in calls]
    assert [r.status_code for r in limited] == [429] * len(calls)
    for response in limited:
        assert response["Retry-After"] == "60"
    if where.startswith("api"):
        assert limited[0].json() == {"error": "Too many requests", "code": "RATE_LIMITED", "retryAfter": 60}
    else:
        assert "Too many requests" in limited[0].content.decode()
    other_ip = api_client.get(API.format(token=token), REMOTE_ADDR="203.0.113.50")
    assert other_ip.status_code == 200
    time_machine.shift(dt.timedelta(seconds=60))
    assert calls[0](token).status_code == 200


@pytest.mark.parametrize(
    "send",
    [
        lambda c, a, r: a.get(f"/api/restaurants/{r.slug}/availability", {"date": "2026-06-10\x00", "party": "2"}),
        lambda c, a, r: c.get(f"/r/{r.slug}/", {"date": "2026-06-10\x00", "party": "2"}),
        lambda c, a, r: c.post(f"/r/{r.slug}/", {"time": "\x00"}),
    ],
    ids=["availability query", "booking page search", "booking page form"],
)
def test_null_characters_in_guest_input_are_a_400(client, api_client, restaurant, send):
    assert send(client, api_client, restaurant).status_code == 400
    assert Booking.objects.count() == 0
