"""The guest's manage link (DESIGN 10): a token the server can build again whenever it renders an email.

token = base64url(booking id (16 bytes) + HMAC-SHA256(SECRET_KEY, booking id + the booking's nonce)
truncated to 20 bytes): 160 bits of secret that only the server can make. Nothing derived from the
token is stored: the booking keeps only its random `manage_nonce`, and building the token needs the
secret key as well. Rotating the nonce (`bookings.services.guests.manage_link_revoke`) makes every
earlier link invalid. A token is valid until 30 days after the booking ends; looking it up is one
query by primary key.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import re
import uuid

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from bookings.models import Booking

SALT = "tablekeeper.bookings.manage-link"
MAC_BYTES = 20
VALID_AFTER_END = dt.timedelta(days=30)
TOKEN_LENGTH = len(base64.urlsafe_b64encode(bytes(16 + MAC_BYTES)).rstrip(b"="))
# The only shape a token has: unpadded base64url of exactly 36 bytes (48 characters, no spare bits).
# Checked before decoding, because the decoder skips characters outside its alphabet.
TOKEN_RE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


def _mac(booking_id: uuid.UUID, nonce: str) -> bytes:
    return salted_hmac(SALT, f"{booking_id}:{nonce}", algorithm="sha256").digest()[:MAC_BYTES]


def manage_token(booking: Booking) -> str:
    raw = booking.pk.bytes + _mac(booking.pk, booking.manage_nonce)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def booking_for_token(token: str, *, queryset: QuerySet[Booking] | None = None) -> Booking | None:
    """The booking a manage token names, or None: malformed, tampered, revoked or expired alike."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError):
        return None
    booking_id, mac = uuid.UUID(bytes=raw[:16]), raw[16:]
    queryset = Booking.objects.select_related("restaurant") if queryset is None else queryset
    booking = queryset.filter(pk=booking_id).first()
    if booking is None or not hmac.compare_digest(mac, _mac(booking.pk, booking.manage_nonce)):
        return None
    if timezone.now() > booking.end_at + VALID_AFTER_END:
        return None
    return booking
