"""Real Celery workers (and, where a test must stop its broker, a private Redis) for integration tests.

A worker runs in its own process group on the test database pytest-django created, so it sees the rows a
``transaction=True`` test commits. Callers check the services first with :func:`need_worker_services`.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

from tests.conftest import need_service


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def database_url(db: dict) -> str:
    """A DATABASE_URL for the database this test runs on (pytest-django's test database)."""
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


def need_worker_services(broker: str | None = None) -> None:
    """Skip (or fail under GRS_REQUIRE_SERVICES=1) unless a worker can share this test's database and broker."""
    need_service(
        connection.vendor == "postgresql",
        "the worker process shares the test database, which needs DATABASE_URL=postgres://...",
    )
    if broker is not None:
        need_service(redis_reachable(broker), f"Redis is not reachable at {broker}")


def start_worker(*, broker: str, log_path: Path, name: str, env: dict, beat: bool = False) -> subprocess.Popen:
    """Start ``celery worker`` (solo pool, optionally with its embedded beat) in a new process group;
    ``env`` adds to or overrides this process's environment. The process has ``log_path`` set."""
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "grs", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--beat"] if beat else []
    command += ["--without-gossip", "--without-mingle", "-n", f"{name}-{os.getpid()}@%h"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a test can kill the whole worker at once
        )
    process.log_path = log_path
    return process


def stop_worker(process: subprocess.Popen) -> None:
    """Ask the worker to finish (warm shutdown); kill its process group if it has not within 15 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        kill_worker(process)


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group, as a crash or an OOM kill would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def worker_log(process: subprocess.Popen) -> str:
    return process.log_path.read_text(errors="replace")[-3000:]


def free_port() -> int:
    """A loopback port nothing listens on now: for a server a test starts, or to stand for one that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own on a free loopback port, which it may stop and start again."""

    def __init__(self, log_path: Path):
        need_service(shutil.which("redis-server") is not None, "redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--daemonize", "no"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not redis_reachable(self.url):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start:\n{self.log_path.read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def private_broker(tmp_path, monkeypatch):
    """For a ``broker`` fixture (``yield from private_broker(tmp_path, monkeypatch)``): a private Redis
    (running) that this process publishes ``notifications.deliver`` to, with a fresh connection each time,
    as a new web request would after the server came back."""
    from grs.celery import app as celery_app
    from notifications.tasks import deliver

    need_worker_services()
    server = PrivateRedis(tmp_path / "redis.log")
    server.start()

    def publish(outbox_id, **kwargs):
        with celery_app.connection_for_write(server.url) as conn:
            deliver.apply_async((outbox_id,), kwargs, connection=conn)

    monkeypatch.setattr(deliver, "delay", publish)
    try:
        yield server
    finally:
        server.stop()


def worker_starter(broker: "PrivateRedis", sms_path: Path, tmp_path: Path, *, name: str, **defaults: str):
    """For a ``workers`` fixture (``yield from worker_starter(...)``): a function that starts a real worker on
    the private ``broker``, sending SMS to ``sms_path`` and e-mail to files, with these settings (its own
    keyword arguments override them; ``beat=True`` embeds the beat). Every worker it started is stopped
    afterwards."""
    started = []

    def start(*, beat: bool = False, **env: str) -> subprocess.Popen:
        env = {
            "SMS_BACKEND": "file",
            "SMS_FILE_PATH": str(sms_path),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "GRS_VAR_DIR": str(tmp_path / "var"),
            **defaults,
            **env,
        }
        process = start_worker(
            broker=broker.url, log_path=tmp_path / "worker.log", name=f"{name}-{len(started)}", env=env, beat=beat
        )
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            stop_worker(process)


def sms_lines(path: Path) -> list[dict]:
    """The messages the ``file`` SMS backend wrote to ``path``, in order."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
