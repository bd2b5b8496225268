"""The ``http`` SMS backend against a gateway served on the loopback interface by this test."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from notifications.models import Outbox
from notifications.services import notify_sms, outbox_deliver, outbox_sweep

pytestmark = pytest.mark.django_db


class Gateway(ThreadingHTTPServer):
    """An SMS gateway that answers each POST with the next of ``answers`` (the last one repeats)."""

    daemon_threads = True

    def __init__(self, answers):
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.answers = list(answers)
        self.received: list[dict] = []
        self.release = threading.Event()  # lets a "hanging" answer end when the test is over

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms/send"

    def handle_error(self, request, client_address):
        pass  # a client that gave up waiting closed its socket: expected here


class GatewayHandler(BaseHTTPRequestHandler):
    """Records each request; an answer is a status code, ``(status, body)`` or ``"hang"``."""

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        raw = self.rfile.read(length)
        kind = self.headers.get("Content-Type", "")
        seen = {"authorization": self.headers.get("Authorization"), "content_type": kind}
        seen["json" if kind.startswith("application/json") else "form"] = (
            json.loads(raw) if kind.startswith("application/json") else dict(parse_qsl(raw.decode()))
        )
        self.answer(seen)

    def do_GET(self):
        self.answer({"query": dict(parse_qsl(urlsplit(self.path).query)), "path": urlsplit(self.path).path})

    def answer(self, seen):
        gateway: Gateway = self.server
        gateway.received.append(seen)
        answer = gateway.answers.pop(0) if len(gateway.answers) > 1 else gateway.answers[0]
        if answer == "hang":
            gateway.release.wait(10)
            return
        status, body = answer if isinstance(answer, tuple) else (answer, "")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format, *args):
        pass


@pytest.fixture
def gateway(settings):
    servers = []

    def start(*answers) -> Gateway:
        server = Gateway(answers)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = server.url
        return server

    yield start
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


def time_passes(message: Outbox) -> None:
    """Bring the next attempt forward to now, as if the back-off had been waited out."""
    Outbox.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def test_the_gateway_gets_to_body_and_id_as_json_with_the_bearer_token(gateway, settings):
    server = gateway(200)
    settings.SMS_HTTP_TOKEN = "s3cret"
    message = notify_sms(to="01712345678", body="Received. Tracking 1234 5678 90")

    assert outbox_deliver(outbox_id=message.pk).status == Outbox.Status.SENT
    assert server.received == [
        {
            "authorization": "Bearer s3cret",
            "content_type": "application/json; charset=utf-8",
            "json": {"to": "+8801712345678", "body": "Received. Tracking 1234 5678 90", "id": message.pk},
        }
    ]


def test_a_payload_template_shapes_a_json_request_for_the_gateway(gateway, settings):
    server = gateway(200)
    settings.SMS_HTTP_PAYLOAD = json.dumps(
        {"api_key": "k-123", "senderid": "GRS", "msisdn": "{to_digits}", "sms": "{body}", "csms_id": "grs-{id}"}
    )
    # Bangla text, and the message's own braces are not taken for placeholders.
    message = notify_sms(to="01712345678", body="অভিযোগ গৃহীত {to}")

    assert outbox_deliver(outbox_id=message.pk).status == Outbox.Status.SENT
    assert server.received[0]["json"] == {
        "api_key": "k-123",
        "senderid": "GRS",
        "msisdn": "8801712345678",
        "sms": "অভিযোগ গৃহীত {to}",
        "csms_id": f"grs-{message.pk}",
    }


def test_a_form_gateway_gets_a_url_encoded_body(gateway, settings):
    server = gateway(200)
    settings.SMS_HTTP_FORMAT = "form"
    settings.SMS_HTTP_PAYLOAD = '{"number": "{to_local}", "message": "{body}", "type": "unicode"}'
    message = notify_sms(to="+8801712345678", body="অভিযোগ নম্বর ১২৩৪ & more")

    assert outbox_deliver(outbox_id=message.pk).status == Outbox.Status.SENT
    assert server.received[0]["content_type"].startswith("application/x-www-form-urlencoded")
    assert server.received[0]["form"] == {
        "number": "01712345678",
        "message": "অভিযোগ নম্বর ১২৩৪ & more",
        "type": "unicode",
    }


def test_a_query_gateway_gets_a_get_request_and_its_answer_is_checked(gateway, settings):
    server = gateway((200, '{"response_code": 1007, "error": "Balance insufficient"}'), (200, '{"response_code": 202}'))
    settings.SMS_HTTP_FORMAT = "query"
    settings.SMS_HTTP_URL = server.url + "?api_key=k-1"
    settings.SMS_HTTP_PAYLOAD = '{"number": "{to_digits}", "message": "{body}"}'
    settings.SMS_HTTP_OK_PATTERN = r'"response_code":\s*202'
    message = notify_sms(to="+971501234567", body="Received.")

    message = outbox_deliver(outbox_id=message.pk)
    assert message.status == Outbox.Status.PENDING
    assert "Balance insufficient" in message.last_error
    time_passes(message)
    assert outbox_deliver(outbox_id=message.pk).status == Outbox.Status.SENT

    assert server.received[-1] == {
        "path": "/sms/send",
        "query": {"api_key": "k-1", "number": "971501234567", "message": "Received."},
    }


def test_a_broken_gateway_configuration_is_reported_at_start_up(settings):
    from django.core.checks import run_checks

    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "ftp://gateway"
    settings.SMS_HTTP_PAYLOAD = '{"to": "{to}",'
    settings.SMS_HTTP_FORMAT = "xml"
    settings.SMS_HTTP_OK_PATTERN = "("
    problems = " ".join(e.msg for e in run_checks() if e.id == "notifications.E001")

    for setting in ("SMS_HTTP_URL", "SMS_HTTP_PAYLOAD", "SMS_HTTP_FORMAT", "SMS_HTTP_OK_PATTERN"):
        assert setting in problems


def test_a_failing_gateway_is_retried_with_back_off_then_the_message_is_marked_failed(gateway, settings):
    server = gateway(500)
    settings.NOTIFY_MAX_ATTEMPTS = 6
    settings.NOTIFY_BACKOFF_SECONDS = 60
    message = notify_sms(to="01712345678", body="Received.")

    for attempt, backoff in enumerate([60, 120, 240, 480, 960], start=1):
        before = timezone.now()
        message = outbox_deliver(outbox_id=message.pk)
        assert (message.status, message.attempts) == (Outbox.Status.PENDING, attempt)
        assert "500" in message.last_error
        assert (
            before + timedelta(seconds=backoff)
            <= message.next_attempt_at
            <= timezone.now() + timedelta(seconds=backoff)
        )
        # Not due yet: a duplicate task or a sweep now does not call the gateway.
        outbox_deliver(outbox_id=message.pk)
        assert outbox_sweep() == 0
        assert len(server.received) == attempt
        time_passes(message)

    message = outbox_deliver(outbox_id=message.pk)

    assert (message.status, message.attempts) == (Outbox.Status.FAILED, 6)
    assert "HTTP Error 500" in message.last_error
    assert len(server.received) == 6
    assert outbox_sweep() == 0  # a failed message waits for an administrator's "retry now"


def test_a_gateway_that_recovers_gets_the_message_on_the_next_attempt(gateway):
    server = gateway(503, 200)
    message = notify_sms(to="01712345678", body="Received.")

    assert outbox_deliver(outbox_id=message.pk).status == Outbox.Status.PENDING
    time_passes(message)
    message = outbox_deliver(outbox_id=message.pk)

    assert (message.status, message.attempts, message.last_error) == (Outbox.Status.SENT, 2, "")
    assert len(server.received) == 2


def test_a_gateway_that_does_not_answer_in_time_is_retried_then_failed(gateway, settings):
    server = gateway("hang")
    settings.SMS_HTTP_TIMEOUT = 1
    settings.NOTIFY_MAX_ATTEMPTS = 2
    message = notify_sms(to="01712345678", body="Received.")

    message = outbox_deliver(outbox_id=message.pk)
    assert (message.status, message.attempts) == (Outbox.Status.PENDING, 1)
    assert "timed out" in message.last_error
    time_passes(message)
    message = outbox_deliver(outbox_id=message.pk)

    assert (message.status, message.attempts) == (Outbox.Status.FAILED, 2)
    assert "timed out" in message.last_error
    assert len(server.received) == 2
