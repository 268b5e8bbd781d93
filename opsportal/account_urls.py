"""Staff account pages ahead of `django.contrib.auth.urls` (config.urls): these win on the same paths."""

from django.urls import path

from opsportal import accounts

urlpatterns = [
    path("password_reset/", accounts.StaffPasswordResetView.as_view(), name="password_reset"),
    path("2fa/setup/", accounts.second_factor_setup, name="second-factor-setup"),
    path("2fa/verify/", accounts.second_factor_verify, name="second-factor-verify"),
]
