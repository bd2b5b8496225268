"""The admin for master data: GRO list import, the GRO rank rule on the form, office paths, lean changelists."""

import csv
import io

import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from charters.models import CharterService
from offices.models import Appointment, GroRankException, Office, Role
from tests.factories import (
    AppointmentFactory,
    CharterServiceFactory,
    GroRankRuleFactory,
    OfficeFactory,
    ProgrammeFactory,
    RankFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/offices/appointment/import/"
HEADER = ["office_code", "username", "full_name", "designation", "rank", "phone", "email", "role"]


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def client(client, superuser):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(superuser)
    return client


@pytest.fixture
def ranks():
    joint = RankFactory(code="joint-secretary", name_en="Joint Secretary", grade=3)
    deputy = RankFactory(code="deputy-secretary", name_en="Deputy Secretary", grade=5)
    GroRankRuleFactory(layer=Office.Layer.MINISTRY, minimum_rank=joint)
    return {"joint": joint, "deputy": deputy}


@pytest.fixture
def ministry():
    return OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")


def gro_list(*rows) -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    return SimpleUploadedFile("gros.csv", text.getvalue().encode("utf-8-sig"), content_type="text/csv")


GRO_ROW = ["MOSW", "gro-mosw", "Farhana Akter", "Joint Secretary", "joint-secretary", "01712345678", "", "gro"]


def test_the_appointment_list_links_to_the_import_page(client):
    page = client.get(reverse("admin:offices_appointment_changelist")).content.decode()
    assert f'href="{IMPORT_URL}"' in page
    assert "Import GRO list" in page


def test_the_import_page_previews_then_applies(client, ranks, ministry):
    form = client.get(IMPORT_URL)
    assert form.status_code == 200
    assert 'type="file"' in form.content.decode()

    preview = client.post(IMPORT_URL, {"file": gro_list(GRO_ROW), "dry_run": "on"})

    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Checked: nothing was written" in page
    assert "Would create: 1," in page
    assert "<td>gro-mosw</td>" in page and "created" in page
    assert not Appointment.objects.exists()

    applied = client.post(IMPORT_URL, {"file": gro_list(GRO_ROW)})

    assert applied.status_code == 200
    assert "The GRO list was imported. Created: 1" in applied.content.decode()
    appointment = Appointment.objects.select_related("user", "office").get()
    assert (appointment.user.username, appointment.office.code, appointment.role) == ("gro-mosw", "MOSW", Role.GRO)


def test_the_import_page_lists_bad_rows_and_writes_nothing(client, ranks, ministry):
    low = ["MOSW", "gro-low", "Low Rank", "", "deputy-secretary", "", "", "gro"]

    response = client.post(IMPORT_URL, {"file": gro_list(GRO_ROW, low, ["NOPE", "x", "X", "", "", "", "", "gro"])})

    page = response.content.decode()
    assert "2 rows have errors; nothing was written." in page
    assert "must be Joint Secretary or above" in page
    assert "No office has the code NOPE." in page
    assert not Appointment.objects.exists()


def test_the_import_page_explains_a_file_it_cannot_read(client):
    upload = SimpleUploadedFile("gros.xlsx", b"PK\x03\x04 broken")
    response = client.post(IMPORT_URL, {"file": upload})
    assert response.status_code == 200
    assert "This workbook cannot be read" in response.content.decode()


def test_the_import_page_needs_the_permission_to_add_appointments(client, ministry):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    client.force_login(clerk)

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, {"file": gro_list(GRO_ROW)}).status_code == 403
    assert IMPORT_URL not in client.get(reverse("admin:offices_appointment_changelist")).content.decode()
    assert not Appointment.objects.exists()


def test_the_appointment_form_shows_the_rank_error_instead_of_saving(client, ranks, ministry):
    user = UserFactory()
    data = {
        "user": user.pk,
        "office": ministry.pk,
        "role": Role.GRO,
        "designation": "Deputy Secretary",
        "rank": ranks["deputy"].pk,
        "start_date": "2025-01-05",
        "end_date": "",
    }

    refused = client.post(reverse("admin:offices_appointment_add"), data)

    assert refused.status_code == 200
    assert "A GRO at MOSW must be Joint Secretary or above" in refused.content.decode()
    assert not Appointment.objects.exists()

    accepted = client.post(reverse("admin:offices_appointment_add"), {**data, "rank": ranks["joint"].pk})
    assert accepted.status_code == 302
    assert Appointment.objects.get().rank == ranks["joint"]


def test_an_office_added_in_the_admin_gets_a_path_under_its_parent(client, ministry):
    OfficeFactory(code="FIRST", parent=ministry, layer=Office.Layer.DIRECTORATE)
    data = {"code": " dss ", "name_en": "Social Services", "name_bn": "সমাজসেবা", "layer": "directorate"}

    response = client.post(reverse("admin:offices_office_add"), {**data, "parent": ministry.pk, "active": "on"})

    assert response.status_code == 302
    office = Office.objects.get(code="DSS")
    assert office.parent == ministry
    assert office.path.startswith(ministry.path) and office.depth == ministry.depth + 1
    assert office.path > Office.objects.get(code="FIRST").path
    assert LogEntry.objects.get(action_flag=ADDITION).object_id == str(office.pk)


def test_an_office_cannot_be_moved_or_recoded_from_its_change_page(client, ministry):
    office = OfficeFactory(code="DSS", parent=ministry, layer=Office.Layer.DIRECTORATE)
    elsewhere = OfficeFactory(code="MOFOOD")
    data = {"code": "OTHER", "name_en": "Renamed", "name_bn": "নতুন", "layer": "directorate", "parent": elsewhere.pk}

    response = client.post(reverse("admin:offices_office_change", args=[office.pk]), data)

    assert response.status_code == 302
    office.refresh_from_db()
    assert (office.code, office.parent, office.name_en) == ("DSS", ministry, "Renamed")
    assert office.path.startswith(ministry.path)


def test_a_duplicate_office_code_in_another_case_is_a_form_error(client, ministry):
    data = {"code": "mosw", "name_en": "Again", "name_bn": "আবার", "layer": "ministry", "active": "on"}
    response = client.post(reverse("admin:offices_office_add"), data)
    assert response.status_code == 200
    assert "Office with this Code already exists." in response.content.decode()
    assert Office.objects.count() == 1


def test_a_rank_exception_added_in_the_admin_records_who_and_needs_a_reason(client, superuser, ministry):
    url = reverse("admin:offices_grorankexception_add")

    blank = client.post(url, {"office": ministry.pk, "reason": "   "})
    assert blank.status_code == 200
    assert "This field is required." in blank.content.decode()
    assert not GroRankException.objects.exists()

    granted = client.post(url, {"office": ministry.pk, "reason": "No Joint Secretary posted until June."})
    assert granted.status_code == 302
    exception = GroRankException.objects.get()
    assert (exception.office, exception.granted_by) == (ministry, superuser)
    assert exception.reason == "No Joint Secretary posted until June."


def make_offices(count: int) -> int:
    parent = Office.objects.filter(code="ROOT").first() or OfficeFactory(code="ROOT")
    OfficeFactory.create_batch(count, parent=parent, layer=Office.Layer.DISTRICT)
    return Office.objects.count()


def make_appointments(count: int) -> int:
    AppointmentFactory.create_batch(count, rank=RankFactory(code="officer"), office=OfficeFactory())
    return Appointment.objects.count()


def make_services(count: int) -> int:
    CharterServiceFactory.create_batch(count, programme=ProgrammeFactory())
    return CharterService.objects.count()


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("admin:offices_office_changelist", make_offices),
        ("admin:offices_appointment_changelist", make_appointments),
        ("admin:charters_charterservice_changelist", make_services),
    ],
)
def test_changelists_take_the_same_queries_whatever_the_row_count(
    client, settings, django_assert_max_num_queries, url_name, make
):
    # Every appointment brings its own user; a fast hasher keeps making forty of them quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    url = reverse(url_name)
    make(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200

    rows = make(40)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count('name="_selected_action"') == rows
