from django.urls import path

from opsportal import views

app_name = "opsportal"

urlpatterns = [
    path("bookings/new", views.walkin_new, name="walkin-new"),
    path("bookings/<uuid:booking_id>/created", views.walkin_created, name="walkin-created"),
]
