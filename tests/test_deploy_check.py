"""With production's environment (deploy/grs.env.example filled in), Django's deployment checklist
finds nothing to warn about, plain HTTP is sent to HTTPS, and attachments can move to S3 by setting."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)
# Whatever the test run itself was given must not leak into the production-like process.
# This machine's settings, and the browser tests' permission to use the ORM beside Playwright's event loop
# (set in this process once they run): none of them belongs to a production server.
LOCAL_ONLY = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "GRS_VAR_DIR",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def example_env() -> dict[str, str]:
    """deploy/grs.env.example's values, as the systemd units and docker compose read them."""
    values = {}
    for line in (BASE_DIR / "deploy" / "grs.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in LOCAL_ONLY and not name.startswith("GRS_")}
    env.update(example_env())
    env.update(
        # The administrator's part: a real key, and folders that exist on this machine.
        SECRET_KEY=secrets.token_urlsafe(64),
        GRS_SMS_INBOUND_SECRET=secrets.token_urlsafe(32),
        GRS_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL="postgres://grs:not-used@127.0.0.1:9/grs",
    )
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_example_still_has_placeholders_for_every_secret():
    values = example_env()
    assert values["SECRET_KEY"] == "CHANGE-ME"
    assert values["DEBUG"] == "false"
    assert values["GRS_HTTPS"] == "true"


def test_the_deployment_checklist_finds_nothing_with_production_settings(production_env):
    done = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


def test_the_deployment_checklist_finds_nothing_with_attachments_on_s3(production_env):
    production_env.update(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="grs-attachments",
        AWS_S3_ENDPOINT_URL="https://minio.example.gov.bd",
        AWS_S3_ADDRESSING_STYLE="path",
    )
    done = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr

    done = manage(
        production_env,
        "shell",
        "--no-imports",
        "-c",
        "import json; from django.core.files.storage import default_storage as s; s._setup(); "
        "print(json.dumps([type(s._wrapped).__module__, s.bucket_name, s.endpoint_url, s.default_acl, "
        "s.querystring_auth]))",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [
        "storages.backends.s3",
        "grs-attachments",
        "https://minio.example.gov.bd",
        "private",
        True,
    ]


def test_s3_without_a_bucket_stops_with_a_clear_error(production_env):
    production_env["MEDIA_STORAGE"] = "s3"
    done = manage(production_env, "check")
    assert done.returncode != 0
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in done.stderr


def test_the_example_key_placeholder_is_refused(production_env):
    production_env["SECRET_KEY"] = "CHANGE-ME"
    done = manage(production_env, "check")
    assert done.returncode != 0
    assert "SECRET_KEY is still the example's CHANGE-ME" in done.stderr


def test_the_example_sms_gateway_secret_is_refused(production_env):
    production_env["GRS_SMS_INBOUND_SECRET"] = "CHANGE-ME"
    done = manage(production_env, "check")
    assert done.returncode != 0
    assert "GRS_SMS_INBOUND_SECRET is still the example's CHANGE-ME" in done.stderr


def test_local_files_stay_the_default_and_need_no_s3_library(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "MEDIA_STORAGE"}
    env["GRS_VAR_DIR"] = str(tmp_path)
    done = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "import json, sys; from django.core.files.storage import default_storage as s; s._setup(); "
        "print(json.dumps([type(s._wrapped).__name__, 'storages' in sys.modules, 'boto3' in sys.modules]))",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == ["FileSystemStorage", False, False]


PROBE = """
import json
from django.test import Client
site = Client(HTTP_HOST="grs.example.gov.bd")
plain = site.get("/track/")
secure = site.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
health = site.get("/health/")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "secure": [secure.status_code, secure.get("Strict-Transport-Security"),
               [name for name, cookie in secure.cookies.items() if cookie["secure"]]],
    "health": health.status_code,
}))
"""


def test_behind_the_proxy_http_is_sent_to_https_and_https_is_pinned(production_env):
    production_env.pop("DATABASE_URL")  # the embedded database: the pages below read no table
    production_env["CELERY_BROKER_URL"] = "filesystem://"
    done = manage(production_env, "shell", "--no-imports", "-c", PROBE)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])

    assert seen["plain"] == [301, "https://grs.example.gov.bd/track/"]
    status, hsts, secure_cookies = seen["secure"]
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert "csrftoken" in secure_cookies
    # Probes ask for /health/ over plain HTTP on the private network: answered, not redirected.
    assert seen["health"] in {200, 503}
