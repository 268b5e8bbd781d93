from django.urls import path

from guestportal import apis

urlpatterns = [
    path("restaurants/<str:slug>/availability", apis.AvailabilityApi.as_view(), name="availability"),
    path("guest/bookings/<str:token>", apis.GuestBookingApi.as_view(), name="guest-booking"),
    path("guest/bookings/<str:token>/cancel", apis.GuestBookingCancelApi.as_view(), name="guest-booking-cancel"),
]
