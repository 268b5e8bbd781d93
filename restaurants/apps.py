from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_role_groups(sender, **kwargs) -> None:
    from restaurants.services import groups_sync

    groups_sync()


class RestaurantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "restaurants"

    def ready(self) -> None:
        # After every migrate: the role groups and their permissions (see restaurants.services).
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="restaurants.groups_sync")
