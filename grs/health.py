"""``/health/``: whether each part GRS needs is up, for load balancers, monitoring and whoever is on call.

Every check is bounded by a short timeout, so the page answers even when a server it asks is gone.
Workers are judged by a heartbeat: beat queues :func:`heartbeat` every ``GRS_HEARTBEAT_SECONDS`` and
the worker that runs it records the time, next to the broker's queue (a Redis key, or a file beside
the ``filesystem://`` broker's folders). Reading it costs one Redis GET, whereas asking the workers
themselves (``celery inspect ping``) would hold every probe for the whole reply timeout.
"""

import logging
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import redis
from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

PARTS = ("database", "cache", "broker", "workers")
HEARTBEAT_KEY = "grs:worker-heartbeat"
# Short enough that a probe never waits long for a broker that is gone.
REDIS_TIMEOUT_SECONDS = 1.0
QUEUE = "celery"


class Down(Exception):
    """A part is down; ``message`` says so in words for the person reading the page."""

    def __init__(self, message: str, **details: object):
        super().__init__(message)
        self.message = message
        self.details = details


def _broker_is_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    # One immediate retry (for a connection Redis dropped while idle), no back-off: a health check
    # reports a server that is gone at once.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 1),
    )


def _heartbeat_file() -> Path:
    return Path(settings.VAR_DIR) / "worker-heartbeat"


# --- Heartbeat --------------------------------------------------------------------------------------


def heartbeat_record(at: float | None = None) -> None:
    """Record that a worker was alive at ``at`` (now by default), where /health/ will read it."""
    at = time.time() if at is None else at
    if _broker_is_redis():
        keep = max(settings.GRS_HEARTBEAT_STALE_SECONDS * 10, 3600)
        _redis(settings.CELERY_BROKER_URL).set(HEARTBEAT_KEY, repr(at), ex=keep)
        return
    path = _heartbeat_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(repr(at))
    partial.replace(path)  # readers see the old time or the new one, never half a number


def heartbeat_last() -> float | None:
    """When a worker last recorded a heartbeat (seconds since the epoch), or None if none ever did."""
    if _broker_is_redis():
        value = _redis(settings.CELERY_BROKER_URL).get(HEARTBEAT_KEY)
        return float(value) if value else None
    try:
        return float(_heartbeat_file().read_text())
    except (FileNotFoundError, ValueError):
        return None


@shared_task(name="grs.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that a worker took a task from the queue just now (read by /health/)."""
    heartbeat_record()


@worker_ready.connect
def _worker_started(**kwargs: object) -> None:
    # A worker that has just started is alive: /health/ need not wait for beat's first heartbeat.
    try:
        heartbeat_record()
    except (OSError, redis.RedisError):
        logger.warning("Could not record the worker's heartbeat at start-up", exc_info=True)


# --- Checks -----------------------------------------------------------------------------------------


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        raise Down(_("The database does not answer.")) from exc
    return {"message": _("The database answers.")}


def check_cache() -> dict:
    key = f"grs:health:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", 30)
        stored = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        raise Down(_("The cache does not answer.")) from exc
    if stored != "1":
        raise Down(_("The cache does not keep what is stored in it."))
    return {"message": _("The cache answers.")}


def check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    if _broker_is_redis():
        try:
            client = _redis(url)
            client.ping()
            queued = client.llen(QUEUE)
        except redis.RedisError as exc:
            raise Down(_("The task queue (Redis) does not answer.")) from exc
        return {"message": _("The task queue (Redis) answers."), "queued": queued}
    if url.startswith("filesystem://"):
        folders = {
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[name])
            for name in ("data_folder_in", "data_folder_out", "processed_folder")
        }
        if not all(folder.is_dir() and os.access(folder, os.R_OK | os.W_OK) for folder in folders):
            raise Down(_("The task queue's folders are missing or cannot be written."))
        return {"message": _("The task queue's folders can be written.")}
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=REDIS_TIMEOUT_SECONDS) as broker:
            broker.ensure_connection(max_retries=1, timeout=REDIS_TIMEOUT_SECONDS)
    except Exception as exc:
        raise Down(_("The task queue does not answer.")) from exc
    return {"message": _("The task queue answers.")}


def check_workers() -> dict:
    try:
        last = heartbeat_last()
    except redis.RedisError as exc:
        raise Down(_("Cannot tell whether a worker runs: the task queue does not answer.")) from exc
    if last is None:
        raise Down(_("No worker has run yet: start a Celery worker and the one beat."))
    age = max(0, round(time.time() - last))
    if age > settings.GRS_HEARTBEAT_STALE_SECONDS:
        raise Down(
            _("No worker has been heard from for %(seconds)d seconds: check the Celery workers and the one beat.")
            % {"seconds": age},
            last_seen_seconds=age,
        )
    return {
        "message": _("A worker was heard from %(seconds)d seconds ago.") % {"seconds": age},
        "last_seen_seconds": age,
    }


CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "workers": check_workers,
}


def health_report() -> tuple[bool, dict]:
    """Run every check; return whether every required part is up, and the report."""
    required = set(settings.GRS_HEALTH_REQUIRED)
    parts: dict[str, dict] = {}
    for name in PARTS:
        try:
            part = {"status": "ok", **CHECKS[name]()}
        except Down as down:
            if down.__cause__ is not None:
                # The error's text may name hosts and users: it goes to the log, not to the page.
                logger.warning("Health check %s failed: %r", name, down.__cause__)
            part = {"status": "down", "message": down.message, **down.details}
        parts[name] = {"required": name in required, **part}

    down = [name for name, part in parts.items() if part["status"] != "ok"]
    failing_required = [name for name in down if parts[name]["required"]]
    if failing_required:
        status, message = "down", _("Down: %(parts)s.") % {"parts": ", ".join(failing_required)}
    elif down:
        status, message = "degraded", _("Up, but not: %(parts)s.") % {"parts": ", ".join(down)}
    else:
        status, message = "ok", _("Every part is up.")
    report = {
        "status": status,
        "message": message,
        "time": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "checks": parts,
    }
    return not failing_required, report


def _language(request: HttpRequest) -> str:
    """The language asked for (cookie or Accept-Language); English for a probe that asks for none."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or request.headers.get("Accept-Language"):
        return translation.get_language_from_request(request)
    return "en"


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when every required part is up, else 503; a JSON report per part either way. No sign-in."""
    language = _language(request)
    with translation.override(language):
        healthy, report = health_report()
    response = JsonResponse(report, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
    response["Content-Language"] = language
    return response
