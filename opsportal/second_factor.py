"""The staff second factor (DESIGN 12): TOTP for owners and managers, recovery codes, the gate.

When STAFF_2FA_REQUIRED is true (the default once DEBUG is off), an owner, manager or superuser who
signed in with a password but not yet with a second factor in this session is stopped at every
staff page:
- without a confirmed TOTP device they are sent to enrolment (`/accounts/2fa/setup/`): a QR code and
  the secret for an authenticator app, then one code from the app confirms the device and shows
  OTP_STATIC_RECOVERY_CODES single-use recovery codes, once;
- with one they are sent to `/accounts/2fa/verify/`, which takes an app code or a recovery code.
Hosts and servers sign in with their password alone. Session calls to `/api/` get a JSON 403 instead
of a redirect; token calls (scripts) are not session sign-ins and are not gated. django-otp's
OTPMiddleware, before this one, tells whether the session is verified (`user.is_verified()`).

The writes (devices, codes) are the functions here; the views in `opsportal.accounts` are thin.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING
from urllib.parse import quote

import segno
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.middleware import is_api
from restaurants.models import Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SETUP_URL = "/accounts/2fa/setup/"
VERIFY_URL = "/accounts/2fa/verify/"
EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/login/", "/static/", "/health/")
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def second_factor_needed(user: User) -> bool:
    """Owners, managers (of any restaurant) and superusers sign in with a second factor."""
    return user.is_superuser or Membership.objects.filter(user=user, role__in=Membership.ADMIN_ROLES).exists()


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device, made on first use (its secret is what the QR code shows)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_qr_svg(device: TOTPDevice) -> str:
    """The device's `otpauth://` URL as an inline SVG QR code (made here: no third-party service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, title="QR code for your authenticator app")


@transaction.atomic
def totp_enrol_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a code from the app; the new recovery codes, or None if the code is wrong.

    The user's other devices are removed: one app and one set of recovery codes at a time.
    """
    if device.user_id != user.pk or not device.verify_token(token.strip()):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OTP_STATIC_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    return codes


class SecondFactorMiddleware:
    """The gate described in the module docstring; after AuthenticationMiddleware and OTPMiddleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if self._stopped(request):
            if is_api(request):
                return JsonResponse({"error": "Second factor required", "code": "SECOND_FACTOR_REQUIRED"}, status=403)
            target = VERIFY_URL if user_has_device(request.user, confirmed=True) else SETUP_URL
            return redirect(f"{target}?next={quote(request.get_full_path())}")
        return self.get_response(request)

    @staticmethod
    def _stopped(request) -> bool:
        user = request.user
        return (
            settings.STAFF_2FA_REQUIRED
            and user.is_authenticated
            and not request.path_info.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
            and second_factor_needed(user)
        )
