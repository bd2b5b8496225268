"""Where messages leave GRS: SMS through the backend that SMS_BACKEND names, e-mail through Django.

A backend either returns (the message is out) or raises (the outbox retries it later).
``SMS_BACKEND`` is ``console``, ``file``, ``http`` or the dotted path of a function taking the
:class:`~notifications.models.Outbox` row.
"""

import fcntl
import json
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit
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
    """Log the message: for development, where nothing must leave the machine."""
    logger.info("SMS #%s to %s: %s", message.pk, message.recipient, message.body)


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


def sms_http(message: Outbox) -> None:
    """POST ``{to, body, id}`` as JSON to SMS_HTTP_URL; anything but a 2xx answer is an error."""
    url = settings.SMS_HTTP_URL
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"SMS_HTTP_URL must be an http(s) URL, not {url!r}")
    headers = {"Content-Type": "application/json"}
    if settings.SMS_HTTP_TOKEN:
        headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"
    # The outbox id lets the gateway drop a message it has already taken.
    payload = json.dumps({"to": message.recipient, "body": message.body, "id": message.pk}).encode()
    # The scheme is checked above, so neither line can be pointed at a local file.
    request = Request(url, data=payload, headers=headers, method="POST")  # noqa: S310
    with urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise GatewayError(f"SMS gateway answered HTTP {response.status}")


SMS_BACKENDS: dict[str, Callable[[Outbox], None]] = {"console": sms_console, "file": sms_file, "http": sms_http}


def sms_backend() -> Callable[[Outbox], None]:
    """The SMS backend that SMS_BACKEND names."""
    name = settings.SMS_BACKEND
    if name in SMS_BACKENDS:
        return SMS_BACKENDS[name]
    if "." in name:
        return import_string(name)
    raise ImproperlyConfigured(f"SMS_BACKEND must be console, file, http or a dotted path, not {name!r}")
