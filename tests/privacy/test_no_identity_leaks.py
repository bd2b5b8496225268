"""The complainant's name, phone, e-mail and address appear only to those handling the grievance: never on a
dashboard, an export, a report, in a log line, or in a URL GRS links to or redirects to."""

import html
import io
import json
import logging
import re
import runpy
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from dashboards import reports
from grievances import clock
from grievances.services import grievance_accept, grievance_resolve
from grs.logging import JsonFormatter
from offices.models import AdminUnit
from pilot.models import PilotGrievance, PilotUnion, SimulationRun
from tests.conftest import need_service
from tests.factories import AdminUnitFactory
from tests.privacy.conftest import ADDRESS, EMAIL, NAME, PHONE, closed, file_citizen, leaked, png

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LINKS = re.compile(r"""(?:href|src|action|formaction|data-api)\s*=\s*["']([^"']*)["']""")


@pytest.fixture
def filed(world):
    """Grievances of the complainant in every state the dashboards count, one of them a pilot's simulated one."""
    grievances = [file_citizen(world), closed(world, days_ago=1)]
    with clock.simulated_time(clock.now() - timedelta(days=2)):
        simulated = file_citizen(world, simulated=True, attachments=False)
        grievance_accept(grievance_id=simulated.pk, actor=world.gro)
        grievance_resolve(grievance_id=simulated.pk, actor=world.gro, resolution="Paid.")
    division = AdminUnitFactory(level=AdminUnit.Level.DIVISION, name_en="Rangpur")
    district = AdminUnitFactory(level=AdminUnit.Level.DISTRICT, parent=division, name_en="Kurigram")
    upazila = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=district, name_en="Ulipur")
    union = AdminUnitFactory(level=AdminUnit.Level.UNION, parent=upazila, name_en="Bazra")
    today = timezone.localdate()
    run = SimulationRun.objects.create(
        seed=1, months=1, per_day=1, unions_per_district=1, first_day=today - timedelta(days=30), last_day=today
    )
    PilotUnion.objects.create(run=run, union=union, district=district, rank=1)
    PilotGrievance.objects.create(grievance=simulated, run=run, union=union)
    return [*grievances, simulated]


def english(client, user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def links(page: str) -> list[str]:
    return [html.unescape(url) for url in LINKS.findall(page)]


def workbook_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return " ".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row)


def pdf_text(data: bytes) -> str:
    need_service(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


# --- Dashboards, their exports and reports ------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "bn"])
def test_no_dashboard_page_export_or_api_answer_names_the_complainant(world, filed, client, language):
    seen = []
    for user in (world.cabinet, world.focal, world.gro):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for query in ("", "?simulated=1", "?office=DSS-KURIGRAM&tab=citizen&simulated=1", "?interval=week"):
            page = client.get(f"/dashboard/{query}")
            assert page.status_code == 200
            text = page.content.decode()
            seen.append(text)
            downloads = sorted({url for url in links(text) if url.startswith("/dashboard/export/")})
            assert downloads, "the dashboard links its tables"
            for url in downloads:
                response = client.get(url)
                assert response.status_code == 200, url
                xlsx = url.split("?")[0].endswith(".xlsx")
                seen.append(workbook_text(response.content) if xlsx else response.content.decode("utf-8-sig"))
        for query in ("", "?office=MOSW", "?tab=citizen"):
            seen.append(client.get(f"/api/v1/dashboard/{query}").content.decode())
            seen.append(client.get(f"/api/v1/dashboard/trends/{query}").content.decode())
    everything = "\n".join(seen)
    assert "DSS Kurigram" in everything or "দপ্তর" in everything or "Kurigram" in everything  # the figures are there
    assert leaked(everything) == []


def test_the_monthly_report_names_no_complainant(world, filed, media):
    job = reports.report_request(actor=world.focal, office_code="MOSW", month=timezone.localdate().replace(day=1))
    job = reports.report_generate(job_id=job.pk)
    assert job.error == ""
    with job.xlsx.open("rb") as f:
        cells = workbook_text(f.read())
    with job.pdf.open("rb") as f:
        text = pdf_text(f.read())
    assert "Ministry of Social Welfare" in cells
    assert leaked(cells) == [] and leaked(text) == []


def test_the_pilot_report_and_its_files_name_no_complainant(world, filed, client):
    english(client, world.cabinet)
    page = client.get("/dashboard/pilot/")
    assert page.status_code == 200
    text = page.content.decode()
    downloads = sorted({url for url in links(text) if url.startswith("/dashboard/pilot/export/")})
    assert downloads
    files = [client.get(url).content.decode("utf-8-sig") for url in downloads]
    assert leaked(text) == [] and leaked("\n".join(files)) == []


# --- Logs ---------------------------------------------------------------------------------------------


@pytest.fixture
def json_log():
    """Every line the application logs meanwhile (at the production level), as GRS_LOG_FORMAT=json writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: stream.getvalue()
    root.removeHandler(handler)


def test_no_log_line_names_the_complainant(world, client, json_log):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    identity = {
        "type": "citizen",
        "subject": "Old age allowance not paid",
        "description": "Not paid since March.",
        "complainant_name": NAME,
        "complainant_phone": PHONE,
        "complainant_email": EMAIL,
        "complainant_address": ADDRESS,
        "complainant_country": "BD",
    }
    # Filing on the web (with an attachment) and through the API, and a filing the API refuses.
    web = client.post(
        f"/grievances/new/?office={world.district.code}",
        {**identity, "idempotency_key": "5b0e8a8e-privacy", "attachments": [png()]},
    )
    assert web.status_code == 302
    api = client.post(
        "/api/v1/grievances/", {**identity, "office": world.district.code}, content_type="application/json"
    )
    assert api.status_code == 201
    number = api.json()["tracking_number"]
    bad = client.post(
        "/api/v1/grievances/",
        {**identity, "office": world.district.code, "complainant_email": f"{EMAIL}@"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    # Tracking: the old query-string form, the body form, the web form, and the same with a wrong number.
    assert client.get(f"/api/v1/track/{number}/", {"phone": PHONE}).status_code == 200
    assert client.get("/api/v1/track/0000000000/", {"phone": PHONE}).status_code in (400, 404)
    assert client.get(f"/api/v1/track/{number}/", {"phone": "01719876549"}).status_code == 404
    assert client.post(f"/api/v1/track/{number}/", {"phone": PHONE}, content_type="application/json").status_code == 200
    assert client.post("/track/", {"tracking_number": number, "secret": PHONE}).status_code == 200
    # The officials' side: the grievance page, its API, the data export and the erasure.
    grievance = closed(world, days_ago=1)
    english(client, world.gro)
    assert client.get(f"/inbox/{grievance.tracking_number}/").status_code == 200
    assert client.get(f"/api/v1/grievances/{grievance.tracking_number}/").status_code == 200
    assert client.get(f"/inbox/{number}/").status_code == 200
    assert client.post(f"/inbox/{grievance.tracking_number}/data/export/").status_code == 200
    assert client.post(f"/inbox/{file_citizen(world).tracking_number}/data/export/").status_code == 409
    erased = client.post(
        f"/inbox/{grievance.tracking_number}/data/erase/", {"erase-reason": "Asked.", "erase-confirm": "on"}
    )
    assert erased.status_code == 302

    lines = [json.loads(line) for line in json_log().splitlines()]
    assert leaked(json.dumps(lines, ensure_ascii=False)) == []
    # Refusals and misses are logged (with their path), so there was something to search.
    assert {f"/api/v1/track/{number}/", "/api/v1/grievances/"} <= {line.get("path", "") for line in lines}


def test_gunicorns_access_log_writes_the_path_without_the_query_string():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger, SafeAtoms

    conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    query = "phone=%2B8801719876543"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/api/v1/track/4821390765/?{query}",
        "PATH_INFO": "/api/v1/track/4821390765/",
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_USER_AGENT": "GRS app",
        "HTTP_REFERER": f"https://grs.example.gov.bd/api/v1/track/4821390765/?{query}",
    }

    class Answer:
        status, sent, headers = "200 OK", 512, []

    atoms = Logger(Config()).atoms(Answer(), [("X-REQUEST-ID", "f00d")], environ, timedelta(milliseconds=12))
    line = conf["access_log_format"] % SafeAtoms(atoms)

    assert "/api/v1/track/4821390765/" in line and "f00d" in line
    assert "phone" not in line and leaked(line) == []


def test_nginx_logs_no_query_string():
    conf = (ROOT / "deploy" / "nginx" / "grs.conf").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    formats = dict(re.findall(r"log_format\s+(\S+)\s+([^;]*);", code))
    assert formats, "the configuration defines its access log format"
    for body in formats.values():
        variables = set(re.findall(r"\$\w+", body))
        assert "$uri" in variables
        assert not variables & {"$request", "$request_uri", "$args", "$query_string", "$is_args", "$http_referer"}
        assert not [name for name in variables if name.startswith("$arg_")]
    for target in re.findall(r"access_log\s+([^;]*);", code):
        words = target.split()
        assert words == ["off"] or (len(words) >= 2 and words[1] in formats), target


# --- URLs ---------------------------------------------------------------------------------------------


def test_no_url_the_app_links_or_redirects_to_holds_the_identity(world, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    urls, pages = [], []
    form = client.get(f"/grievances/new/?office={world.district.code}").content.decode()
    assert re.search(r'<form method="post"', form)
    filing = client.post(
        f"/grievances/new/?office={world.district.code}",
        {
            "type": "citizen",
            "subject": "Old age allowance not paid",
            "description": "Not paid since March.",
            "complainant_name": NAME,
            "complainant_phone": PHONE,
            "complainant_email": EMAIL,
            "complainant_address": ADDRESS,
            "complainant_country": "BD",
            "idempotency_key": "0c1d9a34-privacy",
        },
    )
    urls.append(filing["Location"])
    receipt = client.get(filing["Location"]).content.decode()
    pages.append(receipt)
    from grievances.models import Grievance

    number = Grievance.objects.get(complainant_email=EMAIL).tracking_number
    track_page = client.get("/track/").content.decode()
    assert re.search(r'<form method="post" action="/track/"', track_page)
    pages.append(client.post("/track/", {"tracking_number": number, "secret": PHONE}).content.decode())

    grievance = closed(world, days_ago=1)
    english(client, world.gro)
    for url in (f"/inbox/{number}/", f"/inbox/{grievance.tracking_number}/", "/inbox/?status=closed"):
        pages.append(client.get(url).content.decode())
    erased = client.post(
        f"/inbox/{grievance.tracking_number}/data/erase/", {"erase-reason": "Asked.", "erase-confirm": "on"}
    )
    urls.append(erased["Location"])
    # What the complainant is sent: their SMS texts name the tracking number and the track page, nothing else.
    from notifications.models import Outbox

    bodies = list(Outbox.objects.values_list("body", flat=True))
    assert bodies

    urls += [url for page in pages for url in links(page) if not url.startswith(("tel:", "mailto:"))]
    assert any(url.startswith("/inbox/") for url in urls)
    assert leaked("\n".join(urls)) == []
    assert leaked("\n".join(bodies)) == []
