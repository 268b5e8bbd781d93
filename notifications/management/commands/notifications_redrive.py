"""`manage.py notifications_redrive [--older-than SECONDS]`: the sweep, for those without beat."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from notifications.services import notification_redrive


class Command(BaseCommand):
    help = "Re-dispatch notifications left queued, or stuck sending, for longer than --older-than seconds."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=60, metavar="SECONDS")

    def handle(self, *args, older_than: int, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more")
        ids = notification_redrive(older_than=dt.timedelta(seconds=older_than))
        self.stdout.write(f"Re-dispatched {len(ids)} notification(s).")
