"""GRS_LOG_FORMAT=json: one JSON object per line, each naming the request or task it was written for."""

import io
import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from celery import shared_task
from django.conf import settings as django_settings

from grs.logging import JsonFormatter
from tests.worker import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Every line the root logger writes meanwhile, through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_a_line_is_one_json_object_with_time_level_logger_and_message(json_lines):
    logging.getLogger("grievances.services").warning("Grievance %s forwarded", "GRS-123", extra={"office": "DSS"})

    [line] = json_lines()
    assert line["level"] == "WARNING"
    assert line["logger"] == "grievances.services"
    assert line["message"] == "Grievance GRS-123 forwarded"
    assert line["office"] == "DSS"
    written = datetime.fromisoformat(line["time"])
    assert written.utcoffset().total_seconds() == 0
    assert abs((datetime.now(tz=UTC) - written).total_seconds()) < 60
    assert "request_id" not in line and "exception" not in line


def test_an_exception_is_logged_with_its_traceback_in_the_same_line(json_lines):
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("notifications").exception("Delivery failed for message %d", 7)

    [line] = json_lines()
    assert line["level"] == "ERROR"
    assert line["message"] == "Delivery failed for message 7"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert "KeyError: 'missing'" in line["exception"]


def test_bangla_and_objects_json_cannot_carry_stay_readable(json_lines):
    logging.getLogger("grs").info("অভিযোগ গৃহীত", extra={"where": object(), "codes": ["DSS", "MOSW"]})

    [line] = json_lines()
    assert line["message"] == "অভিযোগ গৃহীত"
    assert line["where"].startswith("<object object")
    assert line["codes"] == ["DSS", "MOSW"]


def test_lines_written_while_serving_a_request_carry_its_id(client, settings, json_lines):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens

    response = client.get("/health/", headers={"X-Request-ID": "3f1c2a9e-nginx"})

    assert response.status_code == 503
    assert response["X-Request-ID"] == "3f1c2a9e-nginx"
    lines = json_lines()
    # The health check's own warning, and Django's line about the 503 it answered.
    assert {line["logger"] for line in lines} >= {"grs.health", "django.request"}
    assert all(line["request_id"] == "3f1c2a9e-nginx" for line in lines)


def test_a_request_without_a_usable_id_gets_a_new_one(client, json_lines):
    first = client.get("/no-such-page/", headers={"X-Request-ID": "two words\nand a line"})
    second = client.get("/no-such-page/")

    assert first.status_code == second.status_code == 404
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert all(len(made) == 32 and made.isalnum() for made in ids)
    assert ids[0] != ids[1]
    assert [line["request_id"] for line in json_lines() if line["logger"] == "django.request"] == ids


def test_a_logged_request_names_its_path_but_never_its_query_string(client, json_lines):
    client.get("/no-such-page/", {"phone": "01712345678", "code": "K7Q2-9XWM"})

    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert (line["level"], line["status_code"], line["method"], line["path"]) == (
        "WARNING",
        404,
        "GET",
        "/no-such-page/",
    )
    assert "01712345678" not in json.dumps(line) and "K7Q2" not in json.dumps(line)


@shared_task(name="tests.log_something")
def log_something() -> None:
    logging.getLogger("tests.task").info("working")


def test_lines_written_by_a_task_carry_the_task_id(json_lines):
    result = log_something.apply()

    [line] = [line for line in json_lines() if line["logger"] == "tests.task"]
    assert line["task_id"] == result.id
    assert "request_id" not in line


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_json_setting_turns_every_log_line_of_the_app_into_json(tmp_path):
    done = run_django(
        "import logging\n"
        "logging.getLogger('grs.pilot').warning('Pilot started in %s', 'Kurigram')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    logging.getLogger('grs.pilot').exception('Sweep failed')\n",
        GRS_LOG_FORMAT="json",
        GRS_VAR_DIR=str(tmp_path),
    )

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert [(line["level"], line["message"]) for line in lines] == [
        ("WARNING", "Pilot started in Kurigram"),
        ("ERROR", "Sweep failed"),
    ]
    assert "ZeroDivisionError" in lines[1]["exception"]


def test_an_unknown_log_format_stops_the_app_with_a_clear_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "GRS_LOG_FORMAT": "xml", "GRS_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode != 0
    assert "GRS_LOG_FORMAT must be text or json, not 'xml'" in done.stderr
