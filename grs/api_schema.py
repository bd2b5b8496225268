"""The API's OpenAPI schema documents every refusal, not only the answers that succeed.

Kept apart from ``grs.api``: DRF loads the pagination class from there while its own generic views
are still being imported, and drf-spectacular's schema class imports those views.
"""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import SAFE_METHODS

REFUSALS = {
    400: "The request is not valid; the body says what to correct.",
    401: "No credentials, or credentials that are not valid.",
    403: "Not allowed for you (or a signed-in browser session's change without its CSRF token).",
    404: "Not found, or outside your scope: the two answer alike.",
    409: "Not possible in the current state, or the grievance changed since you read it.",
    413: "An attachment is too large.",
    415: "The body is in a media type the API does not read.",
    429: "Too many requests or failed sign-ins; wait and try again.",
}


class ErrorOutput(serializers.Serializer):
    """Every refusal (DESIGN: ``{"detail": ...}`` or field → messages); its schema is :data:`ERROR_SCHEMA`."""


_MESSAGES = {"type": "array", "items": {"type": "string"}}
ERROR_SCHEMA = {
    "description": (
        "A refusal: `detail` about the request as a whole, or the messages of each field it got wrong (nested "
        "for lists). `code`, where the application gives one, names the refusal; on the complainant's "
        "endpoints, whose access code is the parameter `code`, it may instead hold that parameter's messages."
    ),
    "anyOf": [
        {
            "type": "object",
            "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
            "required": ["detail"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"code": {"anyOf": [{"type": "string"}, _MESSAGES]}},
            "additionalProperties": {"anyOf": [_MESSAGES, {"type": "object"}]},
            "minProperties": 1,
        },
    ],
}


class ErrorOutputSchema(OpenApiSerializerExtension):
    target_class = ErrorOutput

    def get_name(self, auto_schema, direction) -> str:
        return "Error"

    def map_serializer(self, auto_schema, direction) -> dict:
        return ERROR_SCHEMA


def refusals(*codes: int) -> dict:
    """``responses`` entries for the refusals particular to one view, for ``extend_schema``."""
    return {code: OpenApiResponse(ErrorOutput, description=REFUSALS[code]) for code in codes}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema plus the refusals that follow from how a view is built (its input,
    authentication, pagination and rate limits), so a client can rely on every status it gets being
    documented. A view declares the refusals of its own rules with :func:`refusals`."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for code in sorted(self._built_in_refusals(operation)):
            if str(code) not in operation["responses"]:
                response = OpenApiResponse(ErrorOutput, description=REFUSALS[code])
                operation["responses"][str(code)] = self._get_response_for_code(response, str(code))
        return operation

    def _built_in_refusals(self, operation: dict) -> set[int]:
        codes = set()
        parameters = operation.get("parameters", [])
        paginator = self._get_paginator() if self._is_list_view() else None
        paging = {getattr(paginator, "page_query_param", None), getattr(paginator, "page_size_query_param", None)}
        if "requestBody" in operation:
            codes |= {400, 415}
        if any(p["in"] == "query" and p["name"] not in paging for p in parameters):
            codes.add(400)
        authenticators = self.view.get_authenticators()
        if any(isinstance(a, TokenAuthentication) for a in authenticators):
            codes.add(401)
        if self.method not in SAFE_METHODS and any(isinstance(a, SessionAuthentication) for a in authenticators):
            codes.add(403)
        if paginator is not None or any(p["in"] == "path" for p in parameters):
            codes.add(404)
        if self.view.get_throttles():
            codes.add(429)
        return codes
