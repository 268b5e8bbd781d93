"""The Celery app, its logging and the request id it carries (DESIGN 12).

- Logging: the worker and beat log through the project's LOGGING (`config.logs`), so their lines
  have the web's format (JSON when DEBUG is off) instead of Celery's own.
- The request id: a task published while a request is being served carries that request's id in a
  message header (`request_id`); the worker sets it for the task's log lines, so the lines of a
  booking's notification share the id of the request that made the booking. A task published by
  another task (a retry, the sweep) carries the id it runs under.
"""

import logging.config
import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tablekeeper")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "request_id"


@setup_logging.connect
def _use_project_logging(**kwargs) -> None:
    """Replace Celery's logging set-up with the project's LOGGING (connected: Celery then leaves it)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs) -> None:
    from config.logs import NO_REQUEST, current_request_id

    request_id = current_request_id()
    if headers is not None and request_id != NO_REQUEST:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


def _task_request_id(task) -> str | None:
    request = getattr(task, "request", None)
    if request is None:
        return None
    value = getattr(request, REQUEST_ID_HEADER, None) or (getattr(request, "headers", None) or {}).get(
        REQUEST_ID_HEADER
    )
    return str(value) if value else None


_task_tokens: dict[str, object] = {}


@task_prerun.connect
def _adopt_request_id(task_id=None, task=None, **kwargs) -> None:
    from config.logs import accepted_request_id, request_id_var

    if (request_id := _task_request_id(task)) and task_id:
        _task_tokens[task_id] = request_id_var.set(accepted_request_id(request_id))


@task_postrun.connect
def _drop_request_id(task_id=None, **kwargs) -> None:
    from config.logs import request_id_var

    if task_id and (token := _task_tokens.pop(task_id, None)) is not None:
        request_id_var.reset(token)  # type: ignore[arg-type]
