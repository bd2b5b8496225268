"""The Django admin: its changes to appointments, offices and charters are audited, and the audit trail and the
grievance timelines are there to read only, for a superuser too."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from charters.models import Charter, CharterService
from grievances.models import GrievanceEvent
from offices.models import Appointment, Holiday, Office, Role
from tests.audit.conftest import PHONE, file
from tests.factories import AppointmentFactory, CharterFactory, ServiceCategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action


@pytest.fixture
def root(world, as_user):
    return as_user(world["root"])


def last(object_type: str) -> AuditEntry:
    return AuditEntry.objects.filter(object_type=object_type).order_by("-id").first()


def appointment_form(appointment: Appointment, **changes) -> dict:
    data = {
        "user": appointment.user_id,
        "office": appointment.office_id,
        "role": appointment.role,
        "designation": appointment.designation,
        "rank": appointment.rank_id or "",
        "start_date": appointment.start_date.isoformat(),
        "end_date": appointment.end_date.isoformat() if appointment.end_date else "",
    }
    return {**data, **changes}


def test_an_appointment_added_changed_ended_and_deleted_in_the_admin_is_audited(root, world):
    officer = UserFactory(username="new-gro")
    added = root.post(
        reverse("admin:offices_appointment_add"),
        {
            "user": officer.pk,
            "office": world["mofood"].pk,
            "role": Role.GRO,
            "designation": "Joint Secretary",
            "rank": "",
            "start_date": "2025-01-05",
            "end_date": "",
        },
    )
    assert added.status_code == 302
    appointment = Appointment.objects.get(user=officer)
    made = last("offices.appointment")
    assert (made.action, made.actor, made.object_id, made.office) == (
        Action.CREATED,
        world["root"],
        str(appointment.pk),
        world["mofood"],
    )

    url = reverse("admin:offices_appointment_change", args=[appointment.pk])
    assert root.post(url, appointment_form(appointment, designation="Additional Secretary")).status_code == 302
    changed = last("offices.appointment")
    assert (changed.action, changed.changes) == (
        Action.CHANGED,
        {"designation": ["Joint Secretary", "Additional Secretary"]},
    )

    appointment.refresh_from_db()
    assert root.post(url, appointment_form(appointment, end_date="2025-06-30")).status_code == 302
    ended = last("offices.appointment")
    assert (ended.action, ended.changes, ended.actor) == (
        Action.ENDED,
        {"end_date": [None, "2025-06-30"]},
        world["root"],
    )
    assert Appointment.objects.get(pk=appointment.pk).end_date == date(2025, 6, 30)

    delete_url = reverse("admin:offices_appointment_delete", args=[appointment.pk])
    assert root.post(delete_url, {"post": "yes"}).status_code == 302
    deleted = last("offices.appointment")
    assert deleted.action == Action.DELETED and deleted.object_id == str(appointment.pk)
    assert deleted.changes["designation"] == ["Additional Secretary", None]
    assert not Appointment.objects.filter(pk=appointment.pk).exists()


def test_appointments_deleted_in_bulk_from_the_list_each_leave_an_entry(root, world):
    batch = AppointmentFactory.create_batch(3, office=world["mofood"])
    changelist = reverse("admin:offices_appointment_changelist")
    response = root.post(
        changelist, {"action": "delete_selected", "_selected_action": [a.pk for a in batch], "post": "yes"}
    )
    assert response.status_code == 302
    deleted = AuditEntry.objects.filter(object_type="offices.appointment", action=Action.DELETED)
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(str(a.pk) for a in batch)
    assert set(deleted.values_list("actor", flat=True)) == {world["root"].pk}


def test_an_office_renamed_in_the_admin_is_audited(root, world):
    office = world["dss"]
    data = {"name_en": "Department of Social Services", "name_bn": "সমাজসেবা অধিদফতর", "layer": "directorate"}
    response = root.post(reverse("admin:offices_office_change", args=[office.pk]), {**data, "active": "on"})
    assert response.status_code == 302
    entry = last("offices.office")
    assert (entry.action, entry.actor, entry.office) == (Action.CHANGED, world["root"], office)
    assert entry.changes["name_en"] == ["Social Services", "Department of Social Services"]
    assert Office.objects.get(pk=office.pk).name_en == "Department of Social Services"


def test_a_charter_and_a_charter_service_changed_in_the_admin_are_audited(root, world):
    charter = CharterFactory(office=world["dss"])
    url = reverse("admin:charters_charter_change", args=[charter.pk])
    response = root.post(
        url,
        {
            "office": world["dss"].pk,
            "gro_timeframe_days": 25,
            "appeal_timeframe_days": 20,
            "published_on": "2025-07-01",
        },
    )
    assert response.status_code == 302
    entry = last("charters.charter")
    assert (entry.action, entry.actor, entry.office) == (Action.CHANGED, world["root"], world["dss"])
    assert entry.changes == {"gro_timeframe_days": [30, 25], "published_on": [None, "2025-07-01"]}
    assert Charter.objects.get().gro_timeframe_days == 25

    category = ServiceCategoryFactory()
    service_data = {
        "office": world["dss"].pk,
        "name_en": "Old Age Allowance",
        "name_bn": "বয়স্ক ভাতা",
        "category": category.pk,
        "programme": "",
        "timeframe_days": 15,
        "g2p": "on",
        "fees": "",
        "required_documents": "",
        "responsible_officer": "",
        "active": "on",
    }
    assert root.post(reverse("admin:charters_charterservice_add"), service_data).status_code == 302
    service = CharterService.objects.get()
    created = last("charters.charterservice")
    assert (created.action, created.object_id, created.actor) == (Action.CREATED, str(service.pk), world["root"])
    change_url = reverse("admin:charters_charterservice_change", args=[service.pk])
    assert root.post(change_url, {**service_data, "timeframe_days": 10}).status_code == 302
    assert last("charters.charterservice").changes == {"timeframe_days": [15, 10]}


def test_a_holiday_added_in_the_admin_is_audited(root, world):
    data = {"date": "2025-12-16", "name_en": "Victory Day", "name_bn": "বিজয় দিবস"}
    assert root.post(reverse("admin:offices_holiday_add"), data).status_code == 302
    entry = last("offices.holiday")
    assert (entry.action, entry.actor, entry.object_id) == (
        Action.CREATED,
        world["root"],
        str(Holiday.objects.get().pk),
    )
    assert entry.changes["date"] == [None, "2025-12-16"]


def test_making_a_user_superuser_and_changing_a_password_are_audited_without_the_hash(root, world):
    user = world["citizen"]
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = root.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        username=user.username,
        is_active="on",
        is_superuser="on",
        date_joined_0=user.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=user.date_joined.strftime("%H:%M:%S"),
        groups=[],
        user_permissions=[],
    )
    data = {k: v for k, v in data.items() if v not in (False, "", [])}
    response = root.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = last("accounts.user")
    assert (entry.action, entry.actor, entry.object_id) == (Action.CHANGED, world["root"], str(user.pk))
    assert entry.changes["is_superuser"] == [False, True]

    password_url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = root.post(password_url, {"password1": "Another-pass-9876", "password2": "Another-pass-9876"})
    assert response.status_code == 302
    entry = last("accounts.user")
    assert entry.changes == {"password": ["(hidden)", "(hidden)"]}
    user.refresh_from_db()
    stored = str(AuditEntry.objects.filter(object_type="accounts.user").values_list("changes", flat=True))
    assert user.password not in stored and "Another-pass" not in stored


# --- The trail itself: to read only --------------------------------------------------------------------


@pytest.fixture
def event(world):
    return file(world["dss"]).events.get()


@pytest.mark.parametrize("model", ["audit.auditentry", "grievances.grievanceevent"])
def test_a_superuser_may_read_the_trail_in_the_admin_but_not_add_change_or_delete(root, world, event, model):
    app_label, model_name = model.split(".")
    row = event if model_name == "grievanceevent" else AuditEntry.objects.order_by("id").first()
    changelist = root.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert "delete_selected" not in page and f"/{app_label}/{model_name}/add/" not in page

    assert root.get(reverse(f"admin:{app_label}_{model_name}_add")).status_code == 403
    detail = root.get(reverse(f"admin:{app_label}_{model_name}_change", args=[row.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert (
        root.post(reverse(f"admin:{app_label}_{model_name}_change", args=[row.pk]), {"kind": "resolved"}).status_code
        == 403
    )
    assert (
        root.post(reverse(f"admin:{app_label}_{model_name}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    )
    bulk = root.post(
        reverse(f"admin:{app_label}_{model_name}_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert type(row).objects.filter(pk=row.pk).exists()


def test_the_timeline_in_the_admin_shows_no_complainant_identity_in_its_list(root, world, event):
    page = root.get(reverse("admin:grievances_grievanceevent_changelist")).content.decode()
    assert event.grievance.tracking_number in page
    assert PHONE not in page and "Amena" not in page


def test_no_api_endpoint_changes_a_timeline(world, event):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world["gro"])
    url = f"/api/v1/grievances/{event.grievance.tracking_number}/"
    for method in ("put", "patch", "delete"):
        assert getattr(api, method)(url, {"events": []}, format="json").status_code == 405
    assert GrievanceEvent.objects.filter(pk=event.pk).exists()
