"""/audit/: an Auditor reads who saw complainants' identities and who changed offices, appointments and charters,
within the offices they audit; for everyone else the page does not exist."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from grievances import tracking
from grievances.models import IdentityAccess
from grievances.services import grievance_forward, identity_access_record
from offices.models import Role
from offices.services import appointment_create, appointment_end
from tests.audit.conftest import ADDRESS, NAME, PHONE, AuditEntryFactory, file
from tests.factories import AppointmentFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/audit/"
Via = IdentityAccess.Via


def rows(response) -> list[str]:
    """The body rows of the page's table, as text with the markup stripped."""
    assert response.status_code == 200, response.content[:300]
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S)
    if body is None:
        return []
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def viewed(world, grievance, via=Via.WEB, who="gro"):
    return identity_access_record(grievance=grievance, actor=world[who], via=via)


@pytest.mark.parametrize("who", ["gro", "focal", "monitor", "citizen", "root"])
def test_the_page_does_not_exist_for_anyone_but_an_auditor(world, as_user, who):
    viewed(world, file(world["dss"]))
    assert as_user(world[who]).get(URL).status_code == 404
    assert as_user(world[who]).get(URL, {"show": "changes"}).status_code == 404


def test_the_page_does_not_exist_for_the_anonymous_nor_for_an_auditor_whose_appointment_ended(world, client, as_user):
    assert client.get(URL).status_code == 404
    former = AppointmentFactory(role=Role.AUDITOR, office=world["cabinet"], start_date=date(2020, 1, 1)).user
    assert as_user(former).get(URL).status_code == 200
    appointment_end(appointment=former.appointments.get(), actor=world["root"], end_date=date(2021, 1, 1))
    assert as_user(former).get(URL).status_code == 404


def test_a_cabinet_auditor_sees_every_read_with_who_when_which_and_how_but_no_identity(world, as_user):
    dss, food = file(world["dss"]), file(world["mofood"])
    viewed(world, dss)
    viewed(world, dss, Via.FILE)
    viewed(world, food, Via.API, who="gro_food")

    response = as_user(world["auditor"]).get(URL)
    listed = rows(response)
    assert len(listed) == 3
    assert "gro-food" in listed[0] and tracking.display(food.tracking_number) in listed[0] and "API" in listed[0]
    assert "gro-dss" in listed[1] and "Attachment download" in listed[1]
    assert tracking.display(dss.tracking_number) in listed[2] and "Web page" in listed[2]
    page = response.content.decode()
    assert "3 views of a complainant's identity" in page
    for secret in (NAME, PHONE, ADDRESS, "1712345678", "Old age allowance not paid"):
        assert secret not in page
    assert '<time datetime="' in page and 'aria-current="page"' in page
    assert 'for="id_user"' in page and 'for="id_number"' in page


def test_a_ministry_auditor_sees_only_what_concerns_the_ministrys_offices(world, as_user):
    dss, food = file(world["dss"]), file(world["mofood"])
    viewed(world, dss)
    viewed(world, food, who="gro_food")
    appointment_create(
        user=UserFactory(username="new-focal", full_name="New Focal"),
        office=world["dss"],
        role=Role.FOCAL_POINT,
        actor=world["root"],
    )
    appointment_create(
        user=UserFactory(username="food-focal", full_name="Food Focal"),
        office=world["mofood"],
        role=Role.FOCAL_POINT,
        actor=world["root"],
    )

    reads = rows(as_user(world["auditor_mosw"]).get(URL))
    assert len(reads) == 1 and tracking.display(dss.tracking_number) in reads[0]

    changes = " | ".join(rows(as_user(world["auditor_mosw"]).get(URL, {"show": "changes"})))
    assert "New Focal" in changes and "Food Focal" not in changes
    assert "MOFOOD" not in changes and "MOSW" in changes


def test_a_grievance_forwarded_out_of_the_ministry_keeps_its_reads_in_sight(world, as_user):
    grievance = file(world["dss"])
    viewed(world, grievance)
    grievance_forward(
        grievance_id=grievance.pk, actor=world["gro"], to_office=world["mofood"], reason="Food ministry's"
    )
    assert len(rows(as_user(world["auditor_mosw"]).get(URL))) == 1


def test_changes_show_who_did_what_to_which_record_with_the_fields_before_and_after(world, as_user):
    officer = UserFactory(username="gro-food-2", full_name="Karim Uddin")
    appointment = appointment_create(
        user=officer, office=world["mofood"], role=Role.GRO, designation="Joint Secretary", actor=world["root"]
    )
    appointment_end(appointment=appointment, actor=world["root"], end_date=date(2030, 6, 30))

    listed = rows(as_user(world["auditor"]).get(URL, {"show": "changes", "user": "root"}))
    assert len(listed) == 2
    ended, made = listed
    assert "Ended" in ended and "Appointment" in ended and "end_date : — → 2030-06-30" in ended
    assert "Created" in made and "MOFOOD" in made and "designation : — → Joint Secretary" in made
    assert "root" in made


def test_the_filters_narrow_by_user_tracking_number_and_dates(world, as_user):
    first, second = file(world["dss"]), file(world["dss"])
    viewed(world, first)
    viewed(world, second)
    viewed(world, second, who="focal")
    viewed(world, first)
    # Rows are append-only: last month's read is written as such, not back-dated.
    past = timezone.now() - timedelta(days=40)
    IdentityAccess.objects.create(grievance=first, user=world["gro"], via=Via.API, at=past)
    auditor = as_user(world["auditor"])

    assert len(rows(auditor.get(URL))) == 5
    assert len(rows(auditor.get(URL, {"user": "focal-mosw"}))) == 1
    assert len(rows(auditor.get(URL, {"user": "GRO-DSS"}))) == 4
    # Typed as read out: with dashes, or in Bangla digits.
    bangla = second.tracking_number.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    assert len(rows(auditor.get(URL, {"number": tracking.display(second.tracking_number)}))) == 2
    assert len(rows(auditor.get(URL, {"number": bangla}))) == 2
    today = timezone.localdate().isoformat()
    assert len(rows(auditor.get(URL, {"since": today}))) == 4
    assert len(rows(auditor.get(URL, {"until": (past.date()).isoformat()}))) == 1
    assert (
        len(
            rows(auditor.get(URL, {"since": today, "until": today, "user": "gro-dss", "number": first.tracking_number}))
        )
        == 2
    )


def test_a_filter_not_understood_says_so_and_narrows_nothing(world, as_user):
    viewed(world, file(world["dss"]))
    response = as_user(world["auditor"]).get(URL, {"number": "1234", "since": "not a date", "until": "9999-12-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This tracking number is not right" in page and "Enter a valid date" in page
    assert len(rows(response)) == 1


def test_the_page_is_paged_and_costs_the_same_queries_for_3_or_120_rows(world, as_user, django_assert_max_num_queries):
    grievance = file(world["dss"])
    auditor = as_user(world["auditor"])
    for _n in range(3):
        viewed(world, grievance)
        AuditEntryFactory(actor=world["root"], office=world["dss"])
    with django_assert_max_num_queries(10) as captured:
        assert len(rows(auditor.get(URL))) == 3
    few = len(captured)  # counted now: the next request outside a capture empties the log
    with django_assert_max_num_queries(10) as captured:
        assert len(rows(auditor.get(URL, {"show": "changes"}))) == AuditEntry.objects.count()
    few_changes = len(captured)

    IdentityAccess.objects.bulk_create(
        IdentityAccess(grievance=grievance, user=world["gro"], via=Via.WEB) for _n in range(117)
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=world["root"],
            office=world["dss"],
            action="changed",
            object_type="offices.office",
            object_id=str(n),
            object_repr="x",
        )
        for n in range(117)
    )
    with django_assert_max_num_queries(few):
        first_page = auditor.get(URL)
    assert len(rows(first_page)) == 50
    assert "Page 1 of 3" in first_page.content.decode()
    assert len(rows(auditor.get(URL, {"page": 3}))) == 20
    with django_assert_max_num_queries(few_changes):
        assert len(rows(auditor.get(URL, {"show": "changes"}))) == 50


def test_the_page_speaks_bangla_with_bangla_digits(world, as_user):
    viewed(world, file(world["dss"]))
    response = as_user(world["auditor"], language="bn").get(URL)
    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="bn">' in page
    assert re.search(r"<h2 id=\"list-heading\">[^<]*১", page)


def test_the_header_leads_an_auditor_and_only_an_auditor_to_the_audit(world, as_user):
    page = as_user(world["auditor"]).get("/").content.decode()
    assert 'href="/audit/" class="audit-link"' in page
    assert "dashboard-link" not in page  # auditing gives no dashboard
    for who in ("gro", "focal", "monitor", "citizen"):
        assert "audit-link" not in as_user(world[who]).get("/").content.decode(), who
