"""Where messages leave GRS: SMS through the backend that SMS_BACKEND names, e-mail through Django.

A backend either returns (the message is out) or raises (the outbox retries it later).
``SMS_BACKEND`` is ``console``, ``file``, ``http`` or the dotted path of a function taking the
:class:`~notifications.models.Outbox` row.
"""

import fcntl
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.models import Outbox

logger = logging.getLogger(__name__)


class GatewayError(Exception):
    """The SMS gateway did not take the message."""


def send(message: Outbox) -> None:
    """Send one outbox message through its channel's backend."""
    if message.channel == Outbox.Channel.EMAIL:
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient])
    else:
        sms_backend()(message)


def sms_console(message: Outbox) -> None:
    """Log the message: for development, where nothing must leave the machine. Logs are read by more
    people than the handling office, so the number shows only its first and last digits."""
    logger.info("SMS #%s to %s: %s", message.pk, masked(message.recipient), message.body)


def masked(recipient: str) -> str:
    """``+8801712345678`` as ``+88017******78``: enough to tell two messages apart, not to call anyone."""
    keep_start, keep_end = 6, 2
    if len(recipient) <= keep_start + keep_end:
        return "*" * len(recipient)
    return recipient[:keep_start] + "*" * (len(recipient) - keep_start - keep_end) + recipient[-keep_end:]


def sms_file(message: Outbox) -> None:
    """Append the message to SMS_FILE_PATH as one JSON object on one line."""
    line = json.dumps(
        {"id": message.pk, "to": message.recipient, "body": message.body, "at": timezone.now().isoformat()},
        ensure_ascii=False,
    )
    path = Path(settings.SMS_FILE_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        # Several workers append to one file: the lock keeps every line whole.
        fcntl.flock(file, fcntl.LOCK_EX)
        file.write(line + "\n")
        file.flush()


# What SMS_HTTP_PAYLOAD's values may name. A value that is exactly one placeholder keeps its type
# (the id stays a number); anywhere else placeholders are replaced inside the text.
PLACEHOLDER = re.compile(r"\{(to|to_digits|to_local|body|id)\}")


def gateway_fields(message: Outbox) -> dict:
    """The values a gateway template can use for one message."""
    digits = message.recipient.lstrip("+")
    # Bangladeshi gateways mostly want the national form 01XXXXXXXXX; others get the full number.
    local = "0" + digits[3:] if digits.startswith("880") else digits
    return {"to": message.recipient, "to_digits": digits, "to_local": local, "body": message.body, "id": message.pk}


def gateway_payload(template: str, message: Outbox) -> dict:
    """SMS_HTTP_PAYLOAD (a JSON object) with the message's values put in its placeholders."""
    fields = gateway_fields(message)

    def fill(value):
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item) for item in value]
        if not isinstance(value, str):
            return value
        whole = PLACEHOLDER.fullmatch(value)
        if whole:
            return fields[whole.group(1)]
        # One pass over the template: a "{to}" inside the message's own text is left alone.
        return PLACEHOLDER.sub(lambda found: str(fields[found.group(1)]), value)

    return fill(parse_payload_template(template))


def parse_payload_template(template: str) -> dict:
    try:
        parsed = json.loads(template)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SMS_HTTP_PAYLOAD is not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured("SMS_HTTP_PAYLOAD must be a JSON object")
    return parsed


def gateway_problems() -> list[str]:
    """What is wrong with the SMS_HTTP_* settings, if anything: checked at start-up and before each send."""
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
    return problems


def _flat(payload: dict) -> list[tuple[str, str]]:
    """A form or query string carries only text: nested values go as JSON."""
    return [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in payload.items()
    ]


def sms_http(message: Outbox) -> None:
    """Send through an HTTP gateway as SMS_HTTP_* describe; any answer but a 2xx is an error.

    The default sends ``{"to", "body", "id"}`` as a JSON POST with a bearer token. SMS_HTTP_PAYLOAD
    reshapes it for a real gateway (its field names, an API key, a sender ID), SMS_HTTP_FORMAT picks
    JSON, a form, or a GET query string, and SMS_HTTP_OK_PATTERN checks the gateway's own answer for
    gateways that report refusals with "200 OK".
    """
    if problems := gateway_problems():
        raise ImproperlyConfigured(" ".join(problems))
    url = settings.SMS_HTTP_URL
    # The outbox id lets the gateway drop a message it has already taken.
    payload = gateway_payload(settings.SMS_HTTP_PAYLOAD, message)
    headers = {}
    if settings.SMS_HTTP_TOKEN:
        headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"
    data = None
    if settings.SMS_HTTP_FORMAT == "query":
        url = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(_flat(payload))}"
    elif settings.SMS_HTTP_FORMAT == "form":
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        data = urlencode(_flat(payload)).encode()
    else:  # json
        headers["Content-Type"] = "application/json; charset=utf-8"
        data = json.dumps(payload, ensure_ascii=False).encode()
    # The scheme is checked above, so neither line can be pointed at a local file.
    request = Request(url, data=data, headers=headers, method="GET" if data is None else "POST")  # noqa: S310
    with urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise GatewayError(f"SMS gateway answered HTTP {response.status}")
        answer = response.read(4096).decode("utf-8", "replace")
    if settings.SMS_HTTP_OK_PATTERN and not re.search(settings.SMS_HTTP_OK_PATTERN, answer):
        raise GatewayError(f"SMS gateway refused the message: {answer[:200]}")


SMS_BACKENDS: dict[str, Callable[[Outbox], None]] = {"console": sms_console, "file": sms_file, "http": sms_http}


def sms_backend() -> Callable[[Outbox], None]:
    """The SMS backend that SMS_BACKEND names."""
    name = settings.SMS_BACKEND
    if name in SMS_BACKENDS:
        return SMS_BACKENDS[name]
    if "." in name:
        return import_string(name)
    raise ImproperlyConfigured(f"SMS_BACKEND must be console, file, http or a dotted path, not {name!r}")
