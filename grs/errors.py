"""Domain errors and the one place that turns them into HTTP answers.

Apps subclass :class:`DomainError` (``InvalidTransition``, ``OutOfScope`` ...); each carries a
stable ``code`` and an ``http_status``. A database that does not answer is a 503 that asks the user to
try again (:func:`database_unavailable`). This module imports no app.
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import Context, Engine
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A refusal a user can understand; ``message`` is already translated (lazy)."""

    code = "error"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: Any, *, field: str | None = None, params: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params or {}

    def __str__(self) -> str:
        return str(self.message)


class ValidationError(DomainError):
    code = "invalid"
    http_status = status.HTTP_400_BAD_REQUEST


class NotFound(DomainError):
    code = "not_found"
    http_status = status.HTTP_404_NOT_FOUND


class Conflict(DomainError):
    code = "conflict"
    http_status = status.HTTP_409_CONFLICT


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus domain errors as ``{"detail": ...}`` or ``{field: [...]}``."""
    if isinstance(exc, DomainError):
        body: dict[str, Any]
        body = {exc.field: [str(exc.message)]} if exc.field else {"detail": str(exc.message)}
        body["code"] = exc.code
        return Response(body, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response({k: [str(m) for m in v.messages] for k, v in exc.message_dict.items()}, status=400)
        return Response({"detail": " ".join(str(m) for m in exc.messages)}, status=400)
    return exception_handler(exc, context)


# --- The database does not answer -------------------------------------------------------------------
# What a PostgreSQL restart, a failover or a dropped connection raises. Nothing the request wrote is
# kept: the transaction it was in is rolled back with the connection, and the next request connects
# afresh (Django drops a connection that failed at the end of the request).
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30

# A page of its own, drawn without the database: base.html asks for the user, the session and the
# inbox count, each of which needs it.
_UNAVAILABLE_PAGE = """{% load i18n static %}<!DOCTYPE html>
<html lang="{{ language }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }}</title>
  <link rel="stylesheet" href="{% static 'css/grs.css' %}">
</head>
<body>
  <header class="top"><a class="brand" href="/">{{ brand }}</a></header>
  <main id="main">
    <h1>{{ title }}</h1>
    <p>{{ message }}</p>
    <p>{{ resend }}</p>
    {% if again %}<p><a href="{{ again }}">{{ try_again }}</a></p>{% endif %}
  </main>
</body>
</html>
"""

logger = logging.getLogger(__name__)


# Paths read by programs (the REST API, Open311 clients), which get JSON rather than a page.
MACHINE_PATHS = ("/api/", "/open311/")


def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """503 with ``Retry-After``, in the language the request is answered in: JSON for programs
    (``MACHINE_PATHS``), else a page that needs no database. The error and its traceback go to the log."""
    logger.error("The database did not answer: %s %s is answered 503", request.method, request.path, exc_info=exc)
    message = _("The service is briefly unavailable. Please try again in a minute.")
    if request.path_info.startswith(MACHINE_PATHS):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "unavailable"}, status=503, json_dumps_params={"ensure_ascii": False}
        )
    else:
        page = Engine.get_default().from_string(_UNAVAILABLE_PAGE)
        context = {
            "language": translation.get_language(),
            "brand": _("Grievance Redress System"),
            "title": _("Briefly unavailable"),
            "message": message,
            "resend": _("If you were sending a form, go back and send it again: nothing will be done twice."),
            "again": request.get_full_path() if request.method == "GET" else "",
            "try_again": _("Try again"),
        }
        response = HttpResponse(page.render(Context(context)), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Content-Language"] = translation.get_language()
    add_never_cache_headers(response)
    return response
