"""In production, `collectstatic` writes the manifest of hashed names and pages link those names (browsers
may cache them for a year); before it has run, pages link the plain names and still render."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.templatetags.static import static

BASE_DIR = Path(__file__).resolve().parent.parent


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def test_collectstatic_writes_hashed_names_that_pages_then_link(tmp_path):
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "DEBUG")}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "a-production-like-key-for-this-test-only-" + "x" * 20,
            "ALLOWED_HOSTS": "grs.example.gov.bd",
            "GRS_VAR_DIR": str(tmp_path),
            "STATIC_ROOT": str(tmp_path / "static"),
        }
    )
    done = run(env, "collectstatic", "--noinput")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    chart = manifest["vendor/chartjs/chart.umd.min.js"]
    assert chart != "vendor/chartjs/chart.umd.min.js" and (tmp_path / "static" / chart).exists()
    assert (tmp_path / "static" / (chart + ".gz")).exists()  # compressed once, served as is
    shown = run(env, "shell", "-c", "from django.templatetags.static import static; print(static('css/grs.css'))")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip().splitlines()[-1] == "/static/" + manifest["css/grs.css"]

    # The citizens' app's service worker keeps the hashed names, so the app opens offline in production too.
    fetched = run(
        env,
        "shell",
        "-c",
        "from django.test import Client; "
        "answer = Client().get('/app/sw.js', secure=True, HTTP_HOST='grs.example.gov.bd'); "
        "print('STATUS', answer.status_code); print(answer.content.decode())",
    )
    assert fetched.returncode == 0, fetched.stderr
    worker = fetched.stdout
    assert "STATUS 200" in worker, worker[:2000]
    assert f'"/static/{manifest["js/citizen-app.js"]}"' in worker
    assert f'importScripts("/static/{manifest["js/sw-cache.js"]}"' in worker
    assert 'const STATIC = "/static/";' in worker


def test_before_collectstatic_pages_link_the_plain_names(settings):
    assert static("css/grs.css") == "/static/css/grs.css"
