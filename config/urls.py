from django.contrib import admin
from django.urls import include, path, re_path, reverse_lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import health
from config.views import api_not_found

# The admin is the staff's ops board: its width goes to the day's bookings and their row buttons,
# not to the navigation sidebar (the breadcrumbs and the home page already list every model).
admin.site.enable_nav_sidebar = False
admin.site.site_header = admin.site.site_title = "Tablekeeper ops"
admin.site.index_title = "Run the day"
# "View site" leads back to the board, the page staff run the day from (DESIGN 7 "Front door").
admin.site.site_url = reverse_lazy("admin:bookings_booking_changelist")

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    # The admin's sign-in page links here when the name exists: to the staff password reset.
    path("admin/password_reset/", RedirectView.as_view(pattern_name="password_reset"), name="admin_password_reset"),
    path("admin/", admin.site.urls),
    path("accounts/", include("opsportal.account_urls")),  # sign-in, second factor, password reset
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/ops/", include("opsportal.api_urls")),
    path("api/", include(("guestportal.api_urls", "guestportal-api"))),
    path("api/", include("bookings.urls")),
    re_path(r"^api/(?P<path>.*)$", api_not_found),  # last under api/: JSON 404 (config.views)
    path("", include("guestportal.urls")),  # `r/<slug>/` (booking page), `b/<token>` (manage link)
    path("", include("opsportal.urls")),  # `/` (the front door) and `ops/...`
]

handler500 = "config.views.server_error"
