"""Start-up checks: a misconfigured SMS gateway is reported before the first message fails."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from notifications.backends import parse_payload_template


@register()
def sms_gateway_settings(app_configs, **kwargs):
    if settings.SMS_BACKEND != "http":
        return []
    problems = []
    if urlsplit(settings.SMS_HTTP_URL).scheme not in {"http", "https"}:
        problems.append(f"SMS_HTTP_URL must be an http(s) URL, not {settings.SMS_HTTP_URL!r}.")
    try:
        parse_payload_template(settings.SMS_HTTP_PAYLOAD)
    except ImproperlyConfigured as exc:
        problems.append(f"{exc}.")
    if settings.SMS_HTTP_FORMAT not in {"json", "form", "query"}:
        problems.append(f"SMS_HTTP_FORMAT must be json, form or query, not {settings.SMS_HTTP_FORMAT!r}.")
    try:
        re.compile(settings.SMS_HTTP_OK_PATTERN)
    except re.error as exc:
        problems.append(f"SMS_HTTP_OK_PATTERN is not a regular expression: {exc}.")
    return [Error(problem, id="notifications.E001") for problem in problems]
