"""A real Celery worker, in its own process, prepares the monthly report that ``/reports/`` queued.

It needs Redis and PostgreSQL: the worker must see the rows this test commits, so both processes use the
test database pytest-django created, and the same MEDIA_ROOT for the files. On a laptop without them the
test skips; under GRS_REQUIRE_SERVICES=1 (CI) it fails instead.
"""

import time

import pytest
from django.conf import settings

from dashboards.models import ReportJob
from dashboards.tasks import generate_report
from grs.celery import app as celery_app
from tests.dashboards.test_reports import MOSW_BN, login, media, pdf_text, this_month, world  # noqa: F401
from tests.worker import need_worker_services, start_worker, stop_worker, worker_log

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60
LOCAL_REDIS = "redis://127.0.0.1:6379/12"


@pytest.fixture
def worker(media, tmp_path, monkeypatch):  # noqa: F811 - the fixture imported above
    redis_broker = settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    broker = settings.CELERY_BROKER_URL if redis_broker else LOCAL_REDIS
    need_worker_services(broker)
    publisher = celery_app.connection_for_write(broker)
    if not redis_broker:
        # This process is configured for the embedded broker: publish to the worker's Redis instead.
        monkeypatch.setattr(
            generate_report,
            "delay",
            lambda pk, **kwargs: generate_report.apply_async((pk,), kwargs, connection=publisher),
        )
    env = {"MEDIA_ROOT": str(media), "GRS_VAR_DIR": str(tmp_path / "var")}
    process = start_worker(broker=broker, log_path=tmp_path / "worker.log", name="reports-test", env=env)
    try:
        yield process
    finally:
        stop_worker(process)
        publisher.release()


def test_a_real_worker_prepares_the_report_the_page_asked_for(world, worker, client):  # noqa: F811
    login(client, world.users["mosw"])
    response = client.post("/reports/", {"office": "MOSW", "month": f"{this_month():%Y-%m}"})
    assert response.status_code == 302
    job = ReportJob.objects.get()

    deadline = time.monotonic() + WAIT_SECONDS
    seen = set()
    while True:
        state = client.get(f"/reports/{job.pk}/status/").json()
        seen.add(state["progress"])
        if state["finished"]:
            break
        if time.monotonic() > deadline or worker.poll() is not None:
            pytest.fail(f"the worker did not prepare the report in {WAIT_SECONDS} s:\n{worker_log(worker)}")
        time.sleep(0.2)

    assert (state["status"], state["progress"], state["error"]) == ("done", 100, ""), worker_log(worker)
    page = client.get(f"/reports/{job.pk}/").content.decode()
    assert '<progress id="report-progress" max="100" value="100">' in page
    assert 'id="report-downloads" hidden' not in page
    download = client.get(state["pdf"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    data = b"".join(download.streaming_content)
    assert data.startswith(b"%PDF")
    assert MOSW_BN in pdf_text(data)
    assert client.get(state["xlsx"]).status_code == 200
    assert "dashboards.generate_report" in worker_log(worker)
