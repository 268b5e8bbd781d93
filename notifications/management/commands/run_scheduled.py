"""`manage.py run_scheduled [--job NAME]`: the clock's jobs once, for cron or by hand (DESIGN 11).

The same jobs beat schedules (`notifications.scheduled`); safe to run beside beat or twice at once.
"""

from django.core.management.base import BaseCommand, CommandError

from notifications.scheduled import JOBS, UnknownJob, job_run


class Command(BaseCommand):
    help = f"Run the clock's jobs once (all of them, or each --job given): {', '.join(JOBS)}."

    def add_arguments(self, parser):
        parser.add_argument(
            "--job", action="append", dest="jobs", metavar="NAME", help="A job to run; repeat for several."
        )

    def handle(self, *args, jobs: list[str] | None, **options):
        names = jobs or list(JOBS)
        for name in names:
            if name not in JOBS:
                raise CommandError(str(UnknownJob(name)))
        for name in names:
            handled = job_run(name=name)
            self.stdout.write(f"{name}: handled {handled}")
