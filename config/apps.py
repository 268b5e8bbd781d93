from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project's own app: registers the deployment checks (`config.checks`) and the integer `__in`
    lookup (`config.lookups`); warnings become log records."""

    name = "config"
    label = "tablekeeper_config"
    verbose_name = "Tablekeeper configuration"

    def ready(self) -> None:
        import logging

        from django.core import checks

        # A library's warning (Celery's "running as root", a deprecation) is then one line in the
        # configured format (config.logs), not a few loose lines on stderr.
        logging.captureWarnings(True)

        from config.checks import embedded_defaults_check

        checks.register(embedded_defaults_check)

        from config import lookups

        lookups.register()
