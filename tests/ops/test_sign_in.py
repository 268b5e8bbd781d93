"""Staff sign-in (DESIGN 12, acceptance 4): lockout on both pages, throttled resets, the second factor,
and API tokens that go with the last membership."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from opsportal.second_factor import totp_device_pending, totp_enrol_confirm
from restaurants.models import Membership
from restaurants.services import membership_grant, membership_revoke
from tests.factories import RestaurantFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
BOARD = "/admin/bookings/booking/"
SIGN_IN_PAGES = ["/accounts/login/", "/admin/login/"]
RESET = "/accounts/password_reset/"


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 2, 11, 0, tzinfo=dt.UTC), tick=False)


def staff(restaurant, role: str, **fields):
    user = UserFactory(**fields)
    membership_grant(user=user, restaurant=restaurant, role=role)
    return user


def sign_in(client, page: str, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(page, {"username": username, "password": password, "next": BOARD}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- lockout (django-axes) ------------------------------------------------------------------------


@pytest.mark.parametrize("page", SIGN_IN_PAGES)
def test_five_wrong_passwords_lock_the_account_and_address_even_for_the_right_one(client, restaurant, page):
    host = staff(restaurant, "host")
    for _ in range(4):
        assert sign_in(client, page, host.username, "wrong").status_code == 200
    assert sign_in(client, page, host.username, "wrong").status_code == 429  # the fifth locks

    sixth = sign_in(client, page, host.username, PASSWORD)

    assert sixth.status_code == 429
    assert not signed_in(client)
    text = sixth.content.decode()
    assert "Sign-in locked" in text
    assert "Too many wrong passwords for this account from your address" in text
    assert "even with the right password" in text


@pytest.mark.parametrize("page", SIGN_IN_PAGES)
def test_four_wrong_passwords_do_not_lock(client, restaurant, page):
    host = staff(restaurant, "host")
    for _ in range(4):
        sign_in(client, page, host.username, "wrong")

    response = sign_in(client, page, host.username, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_failures_on_both_pages_count_together(client, restaurant):
    host = staff(restaurant, "host")
    for page in (*SIGN_IN_PAGES, *SIGN_IN_PAGES, SIGN_IN_PAGES[0]):
        sign_in(client, page, host.username, "wrong")

    assert sign_in(client, "/admin/login/", host.username, PASSWORD).status_code == 429


def test_the_lock_is_per_account_and_address(client, restaurant):
    host, other = staff(restaurant, "host"), staff(restaurant, "host")
    for _ in range(5):
        sign_in(client, SIGN_IN_PAGES[0], host.username, "wrong")

    assert sign_in(client, SIGN_IN_PAGES[0], other.username, PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, SIGN_IN_PAGES[0], host.username, PASSWORD, address="198.51.100.9").status_code == 302


def test_behind_a_trusted_proxy_the_lock_is_per_client_not_per_proxy(client, restaurant, settings):
    """The one client-IP rule (config.http.client_ip): behind one proxy, the forwarded address."""
    settings.TRUSTED_PROXY_COUNT = 1
    host = staff(restaurant, "host")
    proxy = "10.0.0.2"

    def from_client(address: str, password: str):
        return client.post(
            SIGN_IN_PAGES[0],
            {"username": host.username, "password": password, "next": BOARD},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"203.0.113.66, {address}",  # a spoofed entry, then what the proxy saw
        )

    for _ in range(5):
        from_client("198.51.100.7", "wrong")

    assert from_client("198.51.100.7", PASSWORD).status_code == 429
    assert from_client("198.51.100.8", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_configured_time(client, restaurant, settings, time_machine):
    host = staff(restaurant, "host")
    for _ in range(5):
        sign_in(client, SIGN_IN_PAGES[0], host.username, "wrong")
    assert sign_in(client, SIGN_IN_PAGES[0], host.username, PASSWORD).status_code == 429

    time_machine.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1))

    assert sign_in(client, SIGN_IN_PAGES[0], host.username, PASSWORD).status_code == 302
    limit, cooloff = settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME
    assert (limit, cooloff) == (5, dt.timedelta(minutes=15))


# --- password reset -------------------------------------------------------------------------------


def test_the_sign_in_page_links_to_a_password_reset_styled_like_the_ops_pages(client):
    assert f'<a href="{RESET}">Forgot your password?</a>' in client.get("/accounts/login/").content.decode()

    page = client.get(RESET).content.decode()

    assert "<title>Reset your password · Tablekeeper ops</title>" in page
    assert "/static/opsportal/ops.css" in page


def test_the_admins_sign_in_page_has_a_heading_and_leads_to_the_same_reset(client):
    page = client.get("/admin/login/").content.decode()

    assert "<h1>Staff sign-in</h1>" in page
    assert '<a href="/admin/password_reset/">' in page
    assert client.get("/admin/password_reset/").url == RESET


def test_a_reset_mails_an_active_staff_member_a_link(client, restaurant):
    host = staff(restaurant, "host", email="host@example.com")

    response = client.post(RESET, {"email": "Host@Example.com"})

    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert [m.to for m in mail.outbox] == [["host@example.com"]]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    confirm = client.get(link, follow=True)
    assert "Choose a new password" in confirm.content.decode()
    assert host.is_active


@pytest.mark.parametrize("who", ["inactive staff", "not staff", "nobody"])
def test_a_reset_mails_nobody_else_and_says_the_same(client, restaurant, who):
    if who == "inactive staff":
        staff(restaurant, "host", email="someone@example.com", is_active=False)
    elif who == "not staff":
        UserFactory(email="someone@example.com", is_staff=False)

    response = client.post(RESET, {"email": "someone@example.com"})

    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


def test_resets_are_throttled_per_account(client, restaurant, settings):
    staff(restaurant, "host", email="host@example.com")
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["password_reset_account"] == "3/hour"
    for n in range(3):
        assert client.post(RESET, {"email": "host@example.com"}, REMOTE_ADDR=f"203.0.113.{n}").status_code == 302

    fourth = client.post(RESET, {"email": "HOST@example.com"}, REMOTE_ADDR="203.0.113.99")

    assert fourth.status_code == 429
    assert "Too many password reset requests" in fourth.content.decode()
    assert len(mail.outbox) == 3


def test_resets_are_throttled_per_address(client, restaurant, settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["password_reset_ip"] == "10/hour"
    staff(restaurant, "host", email="host@example.com")
    for n in range(10):
        assert client.post(RESET, {"email": f"guess{n}@example.com"}).status_code == 302

    eleventh = client.post(RESET, {"email": "host@example.com"})

    assert eleventh.status_code == 429
    assert mail.outbox == []


def test_behind_a_trusted_proxy_resets_are_counted_per_client(client, restaurant, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    def reset_from(address: str, n: int):
        email = f"guess{n}@example.com"  # a new account each time: only the address limit can bite
        return client.post(RESET, {"email": email}, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)

    for n in range(10):
        reset_from("198.51.100.7", n)

    assert (reset_from("198.51.100.7", 10).status_code, reset_from("198.51.100.8", 11).status_code) == (429, 302)


# --- the second factor (django-otp) ---------------------------------------------------------------


def code_for(device: TOTPDevice) -> str:
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return str(token).zfill(device.digits)


@pytest.fixture
def required(settings):
    settings.STAFF_2FA_REQUIRED = True


def test_two_factor_is_required_by_default_only_with_debug_off():
    import subprocess
    import sys

    from django.conf import settings

    probe = "import django; django.setup(); from django.conf import settings; print(settings.STAFF_2FA_REQUIRED)"
    shown = {
        debug: subprocess.run(
            [sys.executable, "-c", probe],
            cwd=settings.BASE_DIR,
            env={
                "PATH": "/usr/bin:/bin",
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DJANGO_DEBUG": debug,
                "SECRET_KEY": "x",
            },
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        for debug in ("true", "false")
    }
    assert shown == {"true": "False", "false": "True"}


@pytest.mark.usefixtures("required")
@pytest.mark.parametrize("page", SIGN_IN_PAGES)
def test_an_owner_without_a_second_factor_is_sent_to_enrolment_after_signing_in(client, restaurant, page):
    owner = staff(restaurant, "owner")

    response = sign_in(client, page, owner.username, PASSWORD)
    board = client.get(response["Location"])

    assert board.status_code == 302
    assert board["Location"] == f"/accounts/2fa/setup/?next={BOARD}"
    setup = client.get(board["Location"]).content.decode()
    assert "Set up your second factor" in setup and "<svg" in setup
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/Tablekeeper")


@pytest.mark.usefixtures("required")
def test_enrolment_confirms_the_app_shows_recovery_codes_and_opens_the_board(client, restaurant, time_machine):
    owner = staff(restaurant, "manager")
    sign_in(client, "/accounts/login/", owner.username, PASSWORD)
    client.get(f"/accounts/2fa/setup/?next={BOARD}")
    device = TOTPDevice.objects.get(user=owner)

    wrong = client.post("/accounts/2fa/setup/", {"code": "000000", "next": BOARD})
    time_machine.shift(dt.timedelta(seconds=2))  # django-otp makes a device wait after a wrong code
    right = client.post("/accounts/2fa/setup/", {"code": code_for(device), "next": BOARD})

    assert wrong.status_code == 400 and "That code did not match" in wrong.content.decode()
    assert right.status_code == 200
    assert len(right.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(BOARD).status_code == 200


@pytest.mark.usefixtures("required")
def test_an_enrolled_owner_gives_a_code_at_every_sign_in_and_a_recovery_code_works_once(client, restaurant):
    owner = staff(restaurant, "owner")
    device = totp_device_pending(user=owner)
    codes = totp_enrol_confirm(user=owner, device=device, token=code_for(device))

    sign_in(client, "/accounts/login/", owner.username, PASSWORD)
    gate = client.get(BOARD)
    recovered = client.post("/accounts/2fa/verify/", {"code": codes[0], "next": BOARD})

    assert gate["Location"] == f"/accounts/2fa/verify/?next={BOARD}"
    assert recovered.status_code == 302 and recovered["Location"] == BOARD
    assert client.get(BOARD).status_code == 200
    client.logout()
    sign_in(client, "/accounts/login/", owner.username, PASSWORD)
    again = client.post("/accounts/2fa/verify/", {"code": codes[0], "next": BOARD})
    assert again.status_code == 400
    assert client.get(BOARD).status_code == 302


@pytest.mark.usefixtures("required")
def test_hosts_sign_in_with_their_password_alone(client, restaurant):
    host = staff(restaurant, "host")

    sign_in(client, "/accounts/login/", host.username, PASSWORD)

    assert client.get(BOARD).status_code == 200


@pytest.mark.usefixtures("required")
def test_the_ops_api_refuses_an_unverified_session_as_json(client, restaurant):
    owner = staff(restaurant, "owner")
    sign_in(client, "/accounts/login/", owner.username, PASSWORD)

    response = client.get("/api/ops/bookings")

    assert response.status_code == 403
    assert response.json() == {"error": "Second factor required", "code": "SECOND_FACTOR_REQUIRED"}


def test_without_the_requirement_an_owner_goes_straight_to_the_board(client, restaurant, settings):
    settings.STAFF_2FA_REQUIRED = False
    owner = staff(restaurant, "owner")

    sign_in(client, "/accounts/login/", owner.username, PASSWORD)

    assert client.get(BOARD).status_code == 200


# --- tokens go with the last membership -----------------------------------------------------------


def test_removing_the_last_membership_deletes_the_api_token(restaurant):
    host = staff(restaurant, "host")
    Token.objects.create(user=host)

    membership_revoke(membership=Membership.objects.get(user=host))

    assert not Token.objects.filter(user=host).exists()
    host.refresh_from_db()
    assert not host.is_staff


def test_a_remaining_membership_keeps_the_token(restaurant):
    host = staff(restaurant, "host")
    membership_grant(user=host, restaurant=RestaurantFactory(), role="server")
    token = Token.objects.create(user=host)

    membership_revoke(membership=Membership.objects.get(user=host, restaurant=restaurant))

    assert Token.objects.get(user=host) == token


def test_a_deleted_token_no_longer_signs_in(api_client, restaurant):
    host = staff(restaurant, "host")
    key = Token.objects.create(user=host).key
    membership_revoke(membership=Membership.objects.get(user=host))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.get("/api/ops/bookings").status_code == 401
