"""Staff accounts beyond Django's sign-in view: password reset and the second factor (DESIGN 12).

- Password reset (`/accounts/password_reset/`): Django's views and token, styled like the ops pages.
  Requests are throttled per client address and per account (the address typed in) with the one
  throttle of `config.throttling`; over either limit the page answers 429 and sends nothing. Only
  active staff with a usable password are mailed; for any other address the page says the same
  "check your inbox", so it never tells who has an account.
- The second factor: `second_factor_setup` (enrolment) and `second_factor_verify` (each sign-in);
  the rules and writes are `opsportal.second_factor`'s.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from config import throttling
from config.http import client_ip
from opsportal.second_factor import totp_device_pending, totp_enrol_confirm, totp_qr_svg, totp_secret


class StaffPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        """Django's rule (active, usable password, that email) and staff: guests have no accounts here."""
        return (user for user in super().get_users(email) if user.is_staff)


class StaffPasswordResetView(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm

    def form_valid(self, form):
        account = hashlib.sha256(form.cleaned_data["email"].strip().lower().encode()).hexdigest()
        wait = throttling.hit("password_reset_ip", f"ip:{client_ip(self.request)}")
        if wait is None:
            wait = throttling.hit("password_reset_account", f"account:{account}")
        if wait is not None:
            minutes = max(1, round(wait / 60))
            form.add_error(None, f"Too many password reset requests. Try again in {minutes} minute(s).")
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().form_valid(form)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request):
    user = request.user
    if user_has_device(user, confirmed=True):  # enrolled already: sign in with it
        return redirect(f"/accounts/2fa/verify/?next={quote(_next(request))}")
    device = totp_device_pending(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp_enrol_confirm(user=user, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            return render(request, "opsportal/second_factor_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", "That code did not match. Check the clock of your phone and try the newest code.")
    context = {"form": form, "qr_svg": totp_qr_svg(device), "secret": totp_secret(device), "next": _next(request)}
    return render(request, "opsportal/second_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_verify(request):
    user = request.user
    if not user_has_device(user, confirmed=True):
        return redirect(f"/accounts/2fa/setup/?next={quote(_next(request))}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", "That code did not match. Try the newest code, or one of your recovery codes.")
    return render(
        request,
        "opsportal/second_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )
