"""Logs as one JSON object per line (``GRS_LOG_FORMAT=json``), and the request ID that ties together
every line written while one request was served.

The ID is the reverse proxy's ``X-Request-ID`` (nginx's ``$request_id``) when it sent a usable one,
else a new one; the answer carries it back in ``X-Request-ID``, so a user's error report, the proxy's
access log and the app's log lines can be matched. In a Celery task the task's ID is logged instead.
"""

import json
import logging
import re
import sys
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str] = ContextVar("grs_request_id", default="")

_USABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged too.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class RequestIdMiddleware:
    """Gives each request an ID that its log lines carry and its answer names in ``X-Request-ID``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        current = offered if _USABLE_ID.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = current
        token = request_id.set(current)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = current
        return response


def _task_id() -> str:
    """The running Celery task's ID, if this line is written inside one."""
    if "celery" not in sys.modules:  # a process that never loaded Celery runs no task
        return ""
    from celery import current_task

    task = current_task._get_current_object()
    return (getattr(task.request, "id", None) or "") if task is not None else ""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, then
    ``request_id`` or ``task_id`` when there is one, ``exception`` (the traceback) when one was logged,
    and whatever the call passed in ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Django logs a failed request's answer after the middleware has finished with it, but passes
        # the request along, and the ID is on it.
        offered = getattr(record, "request_id", None) or getattr(getattr(record, "request", None), "request_id", None)
        if current := offered or request_id.get():
            entry["request_id"] = current
        if task := _task_id():
            entry["task_id"] = task
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            # The path without its query string: a tracking request carries the complainant's phone there.
            entry["method"], entry["path"] = request.method, request.path
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry and key != "request" and not key.startswith("_"):
                entry[key] = _plain(value)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _plain(value: object) -> object:
    """A value JSON can carry as it is; anything else (a request, a socket ...) as its ``str``."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | dict):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            return str(value)
        return value
    return str(value)
