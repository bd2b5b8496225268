"""Monthly reports: their content from filed grievances, who may ask for and download them, the PDF's
Bangla text, the workbook's sheets, and a job that fails or runs twice."""

import shutil
import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from dashboards import reports, tasks
from dashboards.models import ReportJob, ReportStatus
from grievances.services import grievance_file
from offices.models import Role
from tests.conftest import need_service
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

MOSW_BN = "সমাজকল্যাণ মন্ত্রণালয়"
MOSW_EN = "Ministry of Social Welfare"
NAME, PHONE = "Amena Khatun", "+8801712345678"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(tree, media):
    mosw = tree.office("MOSW")
    mosw.name_bn, mosw.name_en = MOSW_BN, MOSW_EN
    mosw.save(update_fields=["name_bn", "name_en"])
    oaa_service, _vgf, land_service, food_service = tree.services
    district, upazila = tree.office("DSS-K"), tree.office("DSS-K-U")
    for _i in range(3):
        file(district, service=oaa_service)
    file(upazila, channel="mobile")
    file(tree.office("DSS"), service=land_service)
    file(tree.office("FOOD-R"), service=food_service)  # another ministry's: in no MOSW figure
    return tree


def file(office, service=None, channel="web"):
    grievance_file(
        type="citizen",
        office=office,
        service=service,
        channel=channel,
        subject="Allowance not paid",
        description="My old age allowance has not come for three months.",
        complainant_name=NAME,
        complainant_phone=PHONE,
        complainant_address="Village Char, Ulipur",
    )


def this_month():
    return timezone.localdate().replace(day=1)


def ask(user, code="MOSW", month=None):
    """Ask for a report as ``user`` and prepare it here, as the worker would."""
    job = reports.report_request(actor=user, office_code=code, month=month or this_month())
    return reports.report_generate(job_id=job.pk)


def sheets(job):
    with job.xlsx.open("rb") as f:
        book = load_workbook(BytesIO(f.read()), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def pdf_text(data: bytes) -> str:
    need_service(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def row(table, name):
    return next(r for r in table[2:] if r[0] == name)


def test_a_ministry_report_counts_the_grievances_filed_in_its_subtree(world):
    job = ask(world.users["mosw"])
    assert (job.status, job.progress, job.error) == (ReportStatus.DONE, 100, "")
    book = sheets(job)
    assert list(book) == ["Summary", "Offices", "Categories", "Channels", "Satisfaction", "Trend"]
    summary = book["Summary"]
    assert summary[0][0].startswith(f"{MOSW_EN} — Totals for the month — ")
    assert row(summary, "Received")[1] == 5
    assert row(summary, "Pending (filed this month, still open)")[1] == 5
    # By child office: MOSW itself holds none, DSS's subtree all five.
    offices = book["Offices"]
    assert offices[1][:2] == ["Office", "Received"]
    assert [r[:2] for r in offices[2:]] == [[f"{MOSW_EN} (itself)", 0], [world.office("DSS").name_en, 5]]
    # Social Protection first, with its programme; the other categories after it.
    categories = book["Categories"]
    social, oaa = categories[2], categories[3]
    assert (social[1], oaa[1]) == (3, 3)
    assert oaa[0] == world.services[0].programme.name_en
    assert row(categories, "Land")[1] == 1
    assert row(book["Channels"], "Mobile app")[1] == 1
    assert row(book["Channels"], "Web")[1] == 4
    trend = book["Trend"]
    assert len(trend) == 2 + 12
    assert trend[-1][1:3] == [5, 0]  # this month: received 5, resolved 0
    assert [r[1] for r in book["Satisfaction"][2:]] == [0, 0, 0, 0, 0]


def test_no_complainant_data_reaches_the_report(world):
    job = ask(world.users["cabinet"])
    cells = " ".join(str(c) for table in sheets(job).values() for r in table for c in r)
    with job.pdf.open("rb") as f:
        text = pdf_text(f.read())
    for secret in (NAME, PHONE, "1712345678", "Village Char", "old age allowance has not come"):
        assert secret not in cells
        assert secret not in text


def test_the_pdf_text_holds_the_ministry_bangla_name(world):
    job = ask(world.users["mosw"])
    with job.pdf.open("rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert MOSW_BN in text
    assert MOSW_EN in text


def test_a_report_in_english_still_carries_the_bangla_name(world):
    from django.utils import translation

    with translation.override("en"):
        job = ask(world.users["cabinet"])
    assert job.language == "en"
    with job.pdf.open("rb") as f:
        text = pdf_text(f.read())
    assert MOSW_BN in text
    assert "Totals for the month" in text


def test_a_focal_point_reports_only_on_their_own_ministry(world):
    mosw, cabinet = world.users["mosw"], world.users["cabinet"]
    assert [o.code for o in reports.report_offices(mosw)] == ["MOSW"]
    assert {"MOSW", "MOFOOD"} <= {o.code for o in reports.report_offices(cabinet)}
    assert list(reports.report_offices(world.users["gro-district"])) == []
    with pytest.raises(reports.ReportOutOfScope):
        reports.report_request(actor=mosw, office_code="MOFOOD", month=this_month())
    with pytest.raises(reports.ReportOutOfScope):
        reports.report_request(actor=world.users["gro-district"], office_code="DSS-K", month=this_month())
    assert ask(cabinet, "MOFOOD").status == ReportStatus.DONE
    assert not ReportJob.objects.filter(requested_by=mosw).exists()


def test_a_requester_who_lost_the_scope_gets_a_failed_job_not_a_wider_report(world):
    job = reports.report_request(actor=world.users["mosw"], office_code="MOSW", month=this_month())
    world.users["mosw"].appointments.update(end_date=timezone.localdate() - timedelta(days=1))
    job = reports.report_generate(job_id=job.pk)
    assert job.status == ReportStatus.FAILED
    assert job.error == "The report could not be prepared: You cannot ask for a report on this office."
    assert not job.pdf


def test_a_failed_render_marks_the_job_failed_with_its_reason(world, monkeypatch):
    def broken(content, tables):
        raise OSError("cannot load the font")

    monkeypatch.setattr(reports, "render_pdf", broken)
    job = ask(world.users["mosw"])
    assert job.status == ReportStatus.FAILED
    assert job.error == "The report could not be prepared: OSError: cannot load the font"
    assert job.finished_at is not None
    assert 0 < job.progress < 100
    # Run again (a redelivered message): it stays failed, it is not started over.
    assert tasks.generate_report(job.pk) == ReportStatus.FAILED


def test_progress_climbs_to_100_and_a_second_run_changes_nothing(world, monkeypatch):
    seen = []
    original = reports._set_progress
    monkeypatch.setattr(reports, "_set_progress", lambda pk, p: (seen.append(p), original(pk, p)))
    job = ask(world.users["mosw"])
    assert seen == sorted(seen) and seen[0] >= 10 and seen[-1] == 95
    assert job.progress == 100
    renders = []
    monkeypatch.setattr(reports, "render_pdf", lambda *a: renders.append(a) or b"")
    assert tasks.generate_report(job.pk) == ReportStatus.DONE
    assert renders == []
    job.refresh_from_db()
    assert job.pdf.name.endswith(f"MOSW-{this_month():%Y-%m}.pdf")


def test_a_job_whose_worker_died_is_taken_up_again_or_shown_failed(world):
    job = reports.report_request(actor=world.users["mosw"], office_code="MOSW", month=this_month())
    long_ago = timezone.now() - reports.STALE_RUNNING * 2
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING, progress=30, updated_at=long_ago)
    # A redelivered message takes it up again ...
    assert reports.report_generate(job_id=job.pk).status == ReportStatus.DONE
    # ... and one never redelivered is shown as failed, not as running forever.
    other = reports.report_request(actor=world.users["mosw"], office_code="MOSW", month=this_month())
    ReportJob.objects.filter(pk=other.pk).update(status=ReportStatus.RUNNING, updated_at=long_ago)
    shown = reports.report_job_for(world.users["mosw"], other.pk)
    assert shown.status == ReportStatus.FAILED
    assert "stopped" in shown.error


# --- Pages ---------------------------------------------------------------------------------------------


@pytest.fixture
def run_tasks_here(monkeypatch):
    monkeypatch.setattr(tasks.generate_report, "delay", lambda pk, **kwargs: tasks.generate_report(pk))


def login(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_page_asks_for_a_report_and_shows_it_done_with_downloads(
    world, client, run_tasks_here, django_capture_on_commit_callbacks
):
    login(client, world.users["mosw"])
    page = client.get("/reports/")
    assert page.status_code == 200
    assert b'<option value="MOSW"' in page.content and b'value="MOFOOD"' not in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/", {"office": "MOSW", "month": this_month().strftime("%Y-%m")})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{job.pk}/"
    page = client.get(response["Location"])
    assert b"<progress" in page.content and b'value="100"' in page.content
    assert b'id="report-downloads" hidden' not in page.content
    status = client.get(f"/reports/{job.pk}/status/").json()
    assert status == {
        "id": job.pk,
        "status": "done",
        "status_label": "Ready",
        "progress": 100,
        "error": "",
        "finished": True,
        "pdf": f"/reports/{job.pk}/pdf/",
        "xlsx": f"/reports/{job.pk}/xlsx/",
    }
    pdf = client.get(status["pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert MOSW_BN in pdf_text(b"".join(pdf.streaming_content))
    xlsx = client.get(status["xlsx"])
    assert xlsx.status_code == 200
    assert 'filename="grs-MOSW-' in xlsx["Content-Disposition"]


def test_a_job_in_progress_shows_its_bar_and_polls(world, client):
    job = reports.report_request(actor=world.users["mosw"], office_code="MOSW", month=this_month())
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING, progress=30)
    page = login(client, world.users["mosw"]).get(f"/reports/{job.pk}/").content.decode()
    assert '<progress id="report-progress" max="100" value="30">' in page
    assert "report-progress.js" in page
    # Without JavaScript the page reloads itself: the refresh sits in the head, where it belongs.
    assert page.index('http-equiv="refresh"') < page.index("</head>")
    assert 'id="report-downloads" hidden' in page
    assert client.get(f"/reports/{job.pk}/pdf/").status_code == 404
    assert client.get(f"/reports/{job.pk}/status/").json()["finished"] is False


def test_a_report_outside_a_users_scope_answers_404(world, client):
    job = ask(world.users["mosw"])
    AppointmentFactory(role=Role.FOCAL_POINT, office=world.office("MOFOOD"))
    for user, code in [
        (world.users["dss"], 404),  # watches DSS, below MOSW: not the whole ministry
        (world.users["gro-district"], 404),
        (world.users["nobody"], 404),
        (world.users["cabinet"], 200),
        (world.users["mosw"], 200),
    ]:
        login(client, user)
        for url in (f"/reports/{job.pk}/", f"/reports/{job.pk}/status/", f"/reports/{job.pk}/pdf/"):
            assert client.get(url).status_code == code, (user, url)
    client.logout()
    assert client.get(f"/reports/{job.pk}/pdf/").status_code == 302  # to the sign-in page


def test_the_form_refuses_an_office_outside_the_scope(world, client):
    login(client, world.users["mosw"])
    response = client.post("/reports/", {"office": "MOFOOD", "month": this_month().strftime("%Y-%m")})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ReportJob.objects.exists()
    assert login(client, world.users["gro-district"]).get("/reports/").status_code == 403


def test_a_broker_that_is_down_fails_the_job_at_once(world, monkeypatch, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    def down(pk, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.generate_report, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        job = reports.report_request(actor=world.users["mosw"], office_code="MOSW", month=this_month())
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert job.error.startswith("The report could not be queued")
