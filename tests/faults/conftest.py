"""What the fault tests share: a Redis of the test's own that it can stop, real Celery workers (with the
one beat when a test needs the outbox sweep to run on its own), an SMS gateway on the loopback interface
whose answers the test scripts, and a small office tree with its officials.

Every test here needs PostgreSQL (and most a redis-server): on a laptop without them they skip; under
GRS_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from grievances.models import Grievance
from grievances.services import grievance_file
from notifications.models import Outbox
from offices.models import Office, Role
from tests.conftest import need_service
from tests.factories import AppointmentFactory, OfficeFactory
from tests.worker import private_broker, worker_log, worker_starter

PHONE = "01712345678"
E164 = "+8801712345678"
WAIT_SECONDS = 45
DONE = (Outbox.Status.SENT, Outbox.Status.FAILED, Outbox.Status.SUPPRESSED)


def need_postgres() -> None:
    need_service(
        connection.vendor == "postgresql",
        "the fault tests run on PostgreSQL, as production does (DATABASE_URL=postgres://...)",
    )


# --- Broker and workers -------------------------------------------------------------------------------


@pytest.fixture
def sms_path(tmp_path):
    return tmp_path / "sms.jsonl"


@pytest.fixture
def broker(tmp_path, monkeypatch):
    yield from private_broker(tmp_path, monkeypatch)


@pytest.fixture
def workers(broker, sms_path, tmp_path):
    """Starts workers on the private Redis (``beat=True`` embeds the beat, sweeping the outbox every second;
    settings as keyword arguments); stops them all afterwards."""
    yield from worker_starter(broker, sms_path, tmp_path, name="faults", NOTIFY_SWEEP_SECONDS="1")


def wait_for(condition: Callable[[], bool], worker, what: str) -> None:
    """Wait until ``condition()`` holds; fail with the outbox and the worker's log after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline or worker.poll() is not None:
            rows = list(Outbox.objects.values_list("pk", "status", "attempts", "last_error"))
            pytest.fail(f"{what} did not happen in {WAIT_SECONDS} s; outbox: {rows}\n{worker_log(worker)}")
        time.sleep(0.1)


def all_delivered() -> bool:
    return not Outbox.objects.exclude(status__in=DONE).exists()


# --- The SMS gateway --------------------------------------------------------------------------------------


class Gateway(ThreadingHTTPServer):
    """An SMS gateway on 127.0.0.1 whose answer to each message is ``answer(attempt, message)``: a status
    code, ``"hang"`` (no answer until :meth:`release`), or ``("sleep", seconds)`` (no answer for that long). ``attempt``
    counts this message's requests from 1. Every request is recorded with the status it was answered."""

    daemon_threads = True

    def __init__(self, answer: Callable[[int, dict], object]):
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.answer = answer
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.released = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms/send"

    def release(self) -> None:
        self.released.set()

    def attempts(self, outbox_id: int) -> list[dict]:
        with self.lock:
            return [seen for seen in self.requests if seen["id"] == outbox_id]

    def accepted(self) -> list[int]:
        """The outbox ids of the messages the gateway took (answered 2xx), once per time it took one."""
        with self.lock:
            return [seen["id"] for seen in self.requests if seen["status"] is not None and seen["status"] < 300]

    def handle_error(self, request, client_address):
        pass  # a worker that gave up waiting, or was killed, closed its socket: expected here


class _GatewayHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        gateway: Gateway = self.server
        message = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with gateway.lock:
            attempt = 1 + sum(1 for seen in gateway.requests if seen["id"] == message["id"])
            seen = {"id": message["id"], "to": message["to"], "at": time.monotonic(), "status": None}
            gateway.requests.append(seen)
        answer = gateway.answer(attempt, message)
        if answer == "hang":
            gateway.released.wait(WAIT_SECONDS)
            return  # never answered: the message was not taken
        if isinstance(answer, tuple):
            time.sleep(answer[1])
            return  # silent for longer than the sender waits, then gone
        self.send_response(answer)
        self.send_header("Content-Length", "0")
        self.end_headers()
        with gateway.lock:
            seen["status"] = answer

    def log_message(self, format, *args):
        pass


@pytest.fixture
def gateway():
    servers = []

    def start(answer: Callable[[int, dict], object]) -> Gateway:
        server = Gateway(answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.release()
        server.shutdown()
        server.server_close()


# --- Offices, officials, filing ---------------------------------------------------------------------------


@pytest.fixture
def offices():
    """A district office with an upazila office below it; a GRO at each."""
    district = OfficeFactory(code="DSS-KURIGRAM", layer=Office.Layer.DISTRICT, name_en="DSS Kurigram")
    upazila = OfficeFactory(code="DSS-ULIPUR", parent=district, layer=Office.Layer.UPAZILA, name_en="DSS Ulipur")
    return {
        "district": district,
        "upazila": upazila,
        "gro": AppointmentFactory(role=Role.GRO, office=district).user,
        "gro_upazila": AppointmentFactory(role=Role.GRO, office=upazila).user,
    }


def filing_payload(**changes) -> dict:
    """A citizen's grievance as the filing API takes it."""
    return {
        "type": "citizen",
        "office": "DSS-KURIGRAM",
        "subject": "Old age allowance not paid",
        "description": "No payment since March.",
        "complainant_name": "Amena Begum",
        "complainant_phone": PHONE,
        **changes,
    }


def file_grievance(office) -> Grievance:
    return grievance_file(
        type="citizen",
        office=office,
        subject="Old age allowance not paid",
        description="No payment since March.",
        complainant_name="Amena Begum",
        complainant_phone=PHONE,
    ).grievance


def signed_in(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client
