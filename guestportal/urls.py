from django.urls import path

from guestportal import views

app_name = "guestportal"

urlpatterns = [
    path("r/<slug:slug>/", views.book, name="book"),
    path("r/<slug:slug>/booked/<str:signed>", views.booked, name="booked"),
    path("b/<str:token>", views.manage, name="manage"),
    path("b/<str:token>/cancel", views.manage_cancel, name="manage-cancel"),
    path("b/<str:token>/change", views.manage_change, name="manage-change"),
    path("b/<str:token>/consent", views.manage_consent, name="manage-consent"),
    path("b/<str:token>/calendar.ics", views.manage_ics, name="manage-ics"),
]
