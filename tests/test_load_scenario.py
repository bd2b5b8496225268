"""bench/load/run.py, briefly: the load scenario drives gunicorn, PostgreSQL, Redis and a Celery worker
without a failed request, every receipt it was given is a stored grievance, and the worker sends every SMS."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.conftest import need_service
from tests.worker import database_url

RUN = Path(settings.BASE_DIR) / "bench" / "load" / "run.py"
ROW = re.compile(r"^  (\w+: [\w ()-]+?)\s+([\d,]+)\s+[\d.]+\s+\d+\s+\d+\s+\d+\s+(\d+)$", re.M)


def redis_db_13_free() -> bool:
    try:
        return redis.Redis.from_url("redis://127.0.0.1:6379/13", socket_connect_timeout=1).dbsize() == 0
    except redis.RedisError:
        return False


@pytest.mark.django_db
def test_the_load_scenario_files_tracks_and_works_the_inbox_and_loses_nothing():
    need_service(
        connection.vendor == "postgresql", "the load scenario runs on PostgreSQL (DATABASE_URL=postgres://...)"
    )
    need_service(redis_db_13_free(), "the load scenario needs Redis at 127.0.0.1:6379 with DB 13 empty")
    admin_url = database_url({**connection.settings_dict, "NAME": "postgres"})
    run = subprocess.run(
        [
            sys.executable,
            str(RUN),
            "--grievances=300",
            "--users=16",
            "--spawn-rate=16",
            "--duration=20",
            "--workers=2",
            "--no-baseline",
            f"--scratch-db=grs_test_locust_{uuid.uuid4().hex[:8]}",
        ],
        env={**os.environ, "DATABASE_URL": admin_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-4000:]
    counts = {name: (int(n.replace(",", "")), int(failed)) for name, n, failed in ROW.findall(run.stdout)}
    assert counts, report[-4000:]
    assert all(failed == 0 for _n, failed in counts.values()), report[-4000:]
    for request in ("web: file (and receipt)", "web: track", "api: track", "web: sign in", "web: inbox"):
        assert counts.get(request, (0, 0))[0] > 0, f"no {request!r} request:\n{report[-4000:]}"
    assert "every one stored" in run.stdout
    assert re.search(r"SMS outbox drained [\d.]+ s after the load stopped; 0 not sent", run.stdout), report[-4000:]
