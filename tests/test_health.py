"""/health/ tells a load balancer and the person on call which part of GRS is down, without signing in."""

import json
import os
import subprocess
import sys
import threading
import time

import pytest
import redis
from django.conf import settings
from django.db import connections

from grs.health import heartbeat, heartbeat_last, heartbeat_record
from tests.worker import PrivateRedis, free_port, need_worker_services, start_worker, stop_worker, worker_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def filesystem_broker(settings, tmp_path):
    """The embedded broker, in folders of this test's own (CI runs the suite on Redis)."""
    folders = {name: tmp_path / "broker" / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    settings.VAR_DIR = tmp_path
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
    }
    return folders


@pytest.fixture
def private_redis(settings, tmp_path):
    """A Redis of this test's own as the broker, so no other worker's heartbeat can reach it."""
    server = PrivateRedis(tmp_path / "redis.log")
    server.start()
    settings.CELERY_BROKER_URL = server.url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    yield server
    server.stop()


def get_health(client, **headers) -> tuple[int, dict]:
    response = client.get("/health/", headers=headers)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_every_part_up_once_a_worker_has_run_the_heartbeat(client, filesystem_broker):
    heartbeat.apply()  # what a worker does when beat queues it

    status, report = get_health(client)

    assert status == 200
    assert report["status"] == "ok"
    assert report["message"] == "Every part is up."
    assert set(report["checks"]) == {"database", "cache", "broker", "workers"}
    assert all(part["status"] == "ok" and part["required"] for part in report["checks"].values())
    assert 0 <= report["checks"]["workers"]["last_seen_seconds"] <= 60


def test_no_worker_ever_started_is_503_and_says_what_to_start(client, filesystem_broker):
    status, report = get_health(client)

    assert status == 503
    assert report["status"] == "down"
    assert report["message"] == "Down: workers."
    workers = report["checks"]["workers"]
    assert workers["status"] == "down"
    assert "start a Celery worker and the one beat" in workers["message"]
    assert {name for name, part in report["checks"].items() if part["status"] == "ok"} == {
        "database",
        "cache",
        "broker",
    }


def test_a_worker_silent_for_longer_than_the_stale_limit_is_down(client, filesystem_broker, settings):
    settings.GRS_HEARTBEAT_STALE_SECONDS = 180
    heartbeat_record(at=time.time() - 600)

    status, report = get_health(client)

    assert status == 503
    workers = report["checks"]["workers"]
    assert workers["status"] == "down"
    assert workers["last_seen_seconds"] >= 600
    assert "No worker has been heard from for" in workers["message"]


def test_a_part_left_out_of_the_required_ones_is_reported_but_does_not_fail_the_check(
    client, filesystem_broker, settings
):
    settings.GRS_HEALTH_REQUIRED = ["database", "cache", "broker"]

    status, report = get_health(client)

    assert status == 200
    assert report["status"] == "degraded"
    assert report["message"] == "Up, but not: workers."
    assert report["checks"]["workers"] | {"message": ""} == {"required": False, "status": "down", "message": ""}


def test_the_broker_unreachable_is_503_at_once_and_names_no_host(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    answer = {}

    def ask() -> None:
        try:
            answer["status"], answer["report"] = get_health(client)
        finally:
            connections.close_all()  # this thread's own connection, not the test's

    probe = threading.Thread(target=ask)

    probe.start()
    probe.join(timeout=60)

    assert not probe.is_alive(), "/health/ hung on a broker that does not answer"
    assert answer["status"] == 503
    report = answer["report"]
    assert report["message"] == "Down: broker, workers."
    assert report["checks"]["broker"]["status"] == "down"
    assert report["checks"]["broker"]["message"] == "The task queue (Redis) does not answer."
    assert "task queue does not answer" in report["checks"]["workers"]["message"]
    assert report["checks"]["database"]["status"] == "ok"
    assert "127.0.0.1" not in json.dumps(report)


def test_another_kind_of_broker_is_checked_by_connecting_to_it(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.CELERY_BROKER_URL = "memory://"
    heartbeat.apply()

    status, report = get_health(client)

    assert status == 200, report
    assert report["checks"]["broker"]["message"] == "The task queue answers."


def test_no_sign_in_is_needed_and_nothing_is_cached(client, filesystem_broker):
    heartbeat.apply()
    response = client.get("/health/")
    assert response.status_code == 200
    assert "max-age=0" in response["Cache-Control"]


def test_on_a_real_redis_the_heartbeat_and_the_queue_are_read_from_it(client, private_redis):
    status, report = get_health(client)
    assert status == 503
    assert report["checks"]["broker"] | {"message": ""} == {
        "required": True,
        "status": "ok",
        "message": "",
        "queued": 0,
    }
    assert report["checks"]["workers"]["status"] == "down"

    heartbeat.apply()
    redis.Redis.from_url(private_redis.url).rpush("celery", "a task waiting")
    status, report = get_health(client)
    assert status == 200, report
    assert report["checks"]["broker"]["queued"] == 1
    assert report["checks"]["workers"]["status"] == "ok"

    private_redis.stop()
    status, report = get_health(client)
    assert status == 503
    assert report["checks"]["broker"]["status"] == "down"
    assert report["checks"]["workers"]["status"] == "down"


@pytest.mark.integration
def test_a_real_worker_and_beat_keep_health_up_and_their_loss_shows(client, private_redis, settings, tmp_path):
    need_worker_services()
    worker = start_worker(
        broker=private_redis.url,
        log_path=tmp_path / "worker.log",
        name="health",
        beat=True,
        env={"GRS_HEARTBEAT_SECONDS": "1", "GRS_VAR_DIR": str(tmp_path / "var"), "GRS_LOG_FORMAT": "json"},
    )
    try:
        beats = set()
        deadline = time.monotonic() + 90
        while len(beats) < 3 and time.monotonic() < deadline:  # start-up, then beat's heartbeats
            if (last := heartbeat_last()) is not None:
                beats.add(last)
            time.sleep(0.2)
        assert len(beats) >= 3, worker_log(worker)
        status, report = get_health(client)
        assert status == 200, report
        assert report["checks"]["workers"]["last_seen_seconds"] <= 5
    finally:
        stop_worker(worker)

    lines = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines() if line.startswith("{")]
    ran = [line for line in lines if line["logger"] == "celery.app.trace" and "grs.heartbeat" in line["message"]]
    assert ran and all(line["task_id"] and line["level"] == "INFO" for line in ran)

    settings.GRS_HEARTBEAT_STALE_SECONDS = 2
    deadline = time.monotonic() + 30
    while get_health(client)[0] == 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    status, report = get_health(client)
    assert status == 503
    assert report["checks"]["workers"]["status"] == "down"
    assert report["checks"]["broker"]["status"] == "ok"


def test_a_worker_process_finds_the_heartbeat_task_and_beat_schedules_it(tmp_path):
    code = (
        "import django, json; django.setup(); from grs.celery import app; app.loader.import_default_modules(); "
        "entry = app.conf.beat_schedule['grs.heartbeat']; "
        "print(json.dumps(['grs.heartbeat' in app.tasks, entry['task'], entry['schedule']]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grs.settings", "GRS_VAR_DIR": str(tmp_path)}
    env["GRS_HEARTBEAT_SECONDS"] = "15"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [True, "grs.heartbeat", 15]
