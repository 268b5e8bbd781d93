from django.apps import AppConfig


class OpsportalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "opsportal"
