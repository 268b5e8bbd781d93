from django.urls import path

from opsportal import views

app_name = "opsportal"

# Included at the site root (config/urls.py): the front door is `/`, the staff pages live under `ops/`.
urlpatterns = [
    path("", views.front_door, name="front-door"),
    path("ops/bookings/new", views.walkin_new, name="walkin-new"),
    path("ops/bookings/<uuid:booking_id>/created", views.walkin_created, name="walkin-created"),
]
