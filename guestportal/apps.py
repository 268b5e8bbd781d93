from django.apps import AppConfig


class GuestportalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "guestportal"
    verbose_name = "Guest portal"
