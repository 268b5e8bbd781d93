from django.contrib import admin
from django.urls import include, path, reverse_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# The admin is the staff's ops board: its width goes to the day's bookings and their row buttons,
# not to the navigation sidebar (the breadcrumbs and the home page already list every model).
admin.site.enable_nav_sidebar = False
admin.site.site_header = admin.site.site_title = "Tablekeeper ops"
admin.site.index_title = "Run the day"
# "View site" leads back to the board, the page staff run the day from (DESIGN 7 "Front door").
admin.site.site_url = reverse_lazy("admin:bookings_booking_changelist")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/ops/", include("opsportal.api_urls")),
    path("api/", include(("guestportal.api_urls", "guestportal-api"))),
    path("api/", include("bookings.urls")),
    path("", include("guestportal.urls")),  # `r/<slug>/` (booking page), `b/<token>` (manage link)
    path("", include("opsportal.urls")),  # `/` (the front door) and `ops/...`
]
