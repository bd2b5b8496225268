"""gunicorn for GRS: ``gunicorn -c deploy/gunicorn.conf.py grs.wsgi:application`` from the project folder.

Every value can be changed through the environment the systemd unit or the container gives it.
"""

import multiprocessing
import os

bind = os.environ.get("GRS_BIND", "127.0.0.1:8000")
# Synchronous workers: each request holds one worker, so slow clients must not reach them. nginx reads
# whole uploads and buffers answers before the app sees or sends a byte, even over 2G links.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12)))
timeout = int(os.environ.get("GRS_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced now and then, so a slow leak in a library never grows into an outage.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files on a RAM disk: a worker is not killed as frozen while the real disk is slow. gunicorn
# makes each one with mkstemp, private to its user.
_ram_disk = "/dev/shm"  # noqa: S108
worker_tmp_dir = _ram_disk if os.path.isdir(_ram_disk) else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# systemd (or docker) starts, reloads and stops gunicorn; no control socket in a home folder needed.
control_socket_disable = True

accesslog = "-" if os.environ.get("GRS_ACCESS_LOG", "true").lower() in {"1", "true", "yes", "on"} else None
errorlog = "-"
# The path without its query string (tracking requests carry the complainant's phone there), and the
# request ID nginx sends, which the app's own log lines carry too.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}i)s'

if os.environ.get("GRS_LOG_FORMAT") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "grs.logging.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
