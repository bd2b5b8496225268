"""Domain errors and the one place that turns them into HTTP answers.

Apps subclass :class:`DomainError` (``InvalidTransition``, ``OutOfScope`` ...); each carries a
stable ``code`` and an ``http_status``. This module imports no app.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
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
