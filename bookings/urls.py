from django.urls import path

from bookings.apis import BookingCreateApi

urlpatterns = [
    path("bookings", BookingCreateApi.as_view(), name="booking-create"),
]
