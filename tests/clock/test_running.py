"""How the clock runs (DESIGN 11): a Celery task per job on beat's schedule, `manage.py run_scheduled`
for cron, one log line per run, and beat's state file kept out of the repository."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from bookings.models import Booking
from config import celery_app
from notifications import tasks
from notifications.scheduled import JOBS
from tests.clock.conftest import london
from tests.factories import BookingFactory
from tests.integration import wait_until

ROOT = Path(settings.BASE_DIR)
NAMES = "pending_attention, request_expiry, reminders, end_of_day, review_requests"


@pytest.fixture
def monday_dinner(restaurant, clock):
    """Monday's dinner for two, seated at 19:00 and still checked in; reviews asked 3 hours after."""
    restaurant.review_url = "https://reviews.example.com/bistro"
    restaurant.save()
    return BookingFactory(restaurant=restaurant, status=Booking.Status.CHECKED_IN, checked_in_at=london(1, 19))


# --- manage.py run_scheduled ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_run_scheduled_runs_every_job_in_order_and_says_what_each_handled(clock, monday_dinner, committed):
    clock.at(london(2, 0, 0))  # the day is over (an hour after 23:00) and the visit ended at 21:00
    out = io.StringIO()

    with committed():
        call_command("run_scheduled", stdout=out)

    assert out.getvalue().splitlines() == [
        "pending_attention: handled 0",
        "request_expiry: handled 0",
        "reminders: handled 0",
        "end_of_day: handled 1",
        "review_requests: handled 1",  # the day closed first, then its review was due
    ]
    monday_dinner.refresh_from_db()
    assert monday_dinner.status == Booking.Status.COMPLETED
    assert monday_dinner.notifications.get(kind="review_request").status == "sent"


@pytest.mark.django_db
def test_run_scheduled_runs_only_the_jobs_named(clock, monday_dinner):
    clock.at(london(2, 0, 0))
    out = io.StringIO()

    call_command("run_scheduled", "--job", "review_requests", "--job", "reminders", stdout=out)

    assert out.getvalue().splitlines() == ["review_requests: handled 0", "reminders: handled 0"]
    monday_dinner.refresh_from_db()
    assert monday_dinner.status == Booking.Status.CHECKED_IN


@pytest.mark.django_db
def test_an_unknown_job_is_an_error_naming_the_jobs_and_runs_nothing(clock, monday_dinner):
    clock.at(london(2, 0, 0))
    with pytest.raises(CommandError, match=f"Unknown job 'nope'; the jobs are: {NAMES}"):
        call_command("run_scheduled", "--job", "end_of_day", "--job", "nope")
    monday_dinner.refresh_from_db()
    assert monday_dinner.status == Booking.Status.CHECKED_IN


def test_an_unknown_job_exits_non_zero_from_the_shell(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "run_scheduled", "--job", "nope"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert NAMES in result.stderr


@pytest.mark.django_db
def test_each_run_logs_one_line_with_what_it_handled(clock, monday_dinner, caplog):
    clock.at(london(2, 0, 0))
    with caplog.at_level(logging.INFO, logger="tablekeeper.clock"):
        call_command("run_scheduled", "--job", "end_of_day", stdout=io.StringIO())
        call_command("run_scheduled", "--job", "end_of_day", stdout=io.StringIO())

    lines = [r.getMessage() for r in caplog.records if r.name == "tablekeeper.clock"]
    assert lines == ["event=job_run job=end_of_day handled=1", "event=job_run job=end_of_day handled=0"]


# --- Celery and beat --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_each_job_is_a_task_that_runs_it(clock, monday_dinner, caplog):
    clock.at(london(2, 0, 0))
    by_job = {name: getattr(tasks, f"clock_{name}") for name in JOBS}

    with caplog.at_level(logging.INFO, logger="tablekeeper.clock"):
        handled = {name: task.delay().get() for name, task in by_job.items()}

    assert handled == {
        "pending_attention": 0,
        "request_expiry": 0,
        "reminders": 0,
        "end_of_day": 1,
        "review_requests": 1,
    }
    assert [r.getMessage().split()[1] for r in caplog.records if r.name == "tablekeeper.clock"] == [
        f"job={name}" for name in JOBS
    ]


def test_every_job_is_on_beats_schedule():
    schedule = settings.CELERY_BEAT_SCHEDULE
    scheduled = {entry["task"]: entry for entry in schedule.values()}
    for name in JOBS:
        entry = scheduled[f"notifications.tasks.clock_{name}"]
        assert entry["task"] in celery_app.tasks
        assert 0 < entry["schedule"] <= 15 * 60
        assert entry["options"]["expires"] <= entry["schedule"]
    assert "notifications.tasks.redrive_notifications" in scheduled


def test_beats_state_file_is_outside_the_repository():
    path = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).resolve()
    assert not path.is_relative_to(ROOT.resolve())
    assert celery_app.conf.beat_schedule_filename == settings.CELERY_BEAT_SCHEDULE_FILENAME
    assert "celerybeat-schedule*" in (ROOT / ".gitignore").read_text().splitlines()


def test_beat_started_from_the_repository_root_writes_its_state_elsewhere(tmp_path):
    """The real command, run where a developer runs it: its file lands in the temp dir, not the checkout."""
    before = set(ROOT.glob("celerybeat-schedule*"))
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BEAT_SCHEDULE_FILENAME"}
    env.update({"TMPDIR": str(tmp_path), "CELERY_BROKER_URL": "memory://localhost/"})
    log = tmp_path / "beat.log"
    with log.open("wb") as out:
        beat = subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "config", "beat", "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(
            lambda: list(tmp_path.glob("tablekeeper-celerybeat-schedule*")) or beat.poll() is not None,
            "beat's state file",
        )
        assert beat.poll() is None, log.read_text()
    finally:
        beat.terminate()
        beat.wait(timeout=20)
    assert f"db -> {tmp_path / 'tablekeeper-celerybeat-schedule'}" in log.read_text()
    assert set(ROOT.glob("celerybeat-schedule*")) == before
