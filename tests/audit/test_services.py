"""Appointments, offices and charters: every service that changes one records who, when and what changed."""

from datetime import date

import pytest

from audit.models import AppendOnly, AuditEntry
from charters.services import charter_ensure, charter_save, charter_service_ensure, charter_service_save
from grs import errors
from offices.models import Appointment, Office, Role
from offices.services import (
    appointment_change,
    appointment_create,
    appointment_end,
    gro_rank_exception_grant,
    gro_rank_exception_revoke,
    office_create,
    office_ensure,
    office_update,
)
from tests.factories import RankFactory, ServiceCategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action


def entries(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("at", "id")
    )


@pytest.fixture
def admin_user():
    return UserFactory(username="admin")


@pytest.fixture
def ministry():
    return office_create(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়", layer="ministry")


def test_an_appointment_made_changed_and_ended_leaves_three_entries_with_who_and_what(ministry, admin_user):
    officer = UserFactory(username="gro-mosw")

    appointment = appointment_create(
        user=officer,
        office=ministry,
        role=Role.GRO,
        designation="Joint Secretary",
        start_date=date(2025, 1, 5),
        actor=admin_user,
    )
    appointment_change(appointment=appointment, actor=admin_user, designation="Additional Secretary")
    appointment_end(appointment=appointment, actor=admin_user, end_date=date(2025, 6, 30))

    made, changed, ended = entries(appointment)
    assert [e.action for e in (made, changed, ended)] == [Action.CREATED, Action.CHANGED, Action.ENDED]
    assert {e.actor for e in (made, changed, ended)} == {admin_user}
    assert {e.office for e in (made, changed, ended)} == {ministry}
    assert made.changes["role"] == [None, "gro"]
    assert made.changes["user"] == [None, officer.pk]
    assert made.changes["start_date"] == [None, "2025-01-05"]
    assert changed.changes == {"designation": ["Joint Secretary", "Additional Secretary"]}
    assert ended.changes == {"end_date": [None, "2025-06-30"]}
    assert made.at <= changed.at <= ended.at
    assert "gro-mosw" in made.object_repr or officer.full_name in made.object_repr


def test_asking_for_what_is_already_so_records_nothing(ministry, admin_user):
    officer = UserFactory()
    appointment = appointment_create(
        user=officer, office=ministry, role=Role.FOCAL_POINT, designation="DS", actor=admin_user
    )
    appointment_create(user=officer, office=ministry, role=Role.FOCAL_POINT, designation="DS", actor=admin_user)
    appointment_change(appointment=appointment, actor=admin_user, designation="DS")
    appointment_end(appointment=appointment, actor=admin_user, end_date=date(2030, 1, 1))
    appointment_end(appointment=appointment, actor=admin_user, end_date=date(2030, 1, 1))
    assert [e.action for e in entries(appointment)] == [Action.CREATED, Action.ENDED]


def test_a_refused_change_records_nothing(ministry, admin_user):
    appointment = appointment_create(
        user=UserFactory(), office=ministry, role=Role.FOCAL_POINT, start_date=date(2025, 1, 5), actor=admin_user
    )
    with pytest.raises(errors.ValidationError):
        appointment_end(appointment=appointment, actor=admin_user, end_date=date(2024, 12, 31))
    assert [e.action for e in entries(appointment)] == [Action.CREATED]
    assert Appointment.objects.get().end_date is None


def test_changes_without_a_person_are_recorded_with_no_actor(ministry):
    appointment = appointment_create(user=UserFactory(), office=ministry, role=Role.FOCAL_POINT)
    (made,) = entries(appointment)
    assert made.actor is None and made.action == Action.CREATED


def test_an_offices_own_record_is_audited_from_creation_to_closing(admin_user):
    office = office_create(
        code="dss", name_en="Social Services", name_bn="সমাজসেবা", layer="directorate", actor=admin_user
    )
    office_ensure(code="DSS", name_en="Department of Social Services", name_bn="সমাজসেবা", layer="directorate")
    office_update(
        office=office,
        actor=admin_user,
        name_en="Department of Social Services",
        name_bn="সমাজসেবা অধিদফতর",
        layer="directorate",
        active=False,
    )
    made, renamed, closed = entries(office)
    assert (made.action, made.actor, made.office) == (Action.CREATED, admin_user, Office.objects.get(code="DSS"))
    assert made.changes["code"] == [None, "DSS"]
    assert (renamed.actor, renamed.changes) == (None, {"name_en": ["Social Services", "Department of Social Services"]})
    assert closed.changes == {"active": [True, False], "name_bn": ["সমাজসেবা", "সমাজসেবা অধিদফতর"]}


def test_a_gro_rank_exception_granted_reworded_and_revoked(ministry, admin_user):
    exception = gro_rank_exception_grant(office=ministry, reason="No Joint Secretary until June.", actor=admin_user)
    gro_rank_exception_grant(office=ministry, reason="No Joint Secretary until July.", actor=admin_user)
    pk = exception.pk
    gro_rank_exception_revoke(exception=exception, actor=admin_user)
    rows = list(AuditEntry.objects.filter(object_type="offices.grorankexception", object_id=str(pk)).order_by("id"))
    assert [e.action for e in rows] == [Action.CREATED, Action.CHANGED, Action.DELETED]
    assert rows[1].changes["reason"] == ["No Joint Secretary until June.", "No Joint Secretary until July."]
    assert rows[2].changes["reason"] == ["No Joint Secretary until July.", None]
    assert rows[2].office == ministry


def test_a_charter_and_its_services_are_audited_when_seeded_and_when_changed(ministry, admin_user):
    charter = charter_ensure(office=ministry)
    charter_ensure(office=ministry)  # a second seeding run changes nothing
    charter_save(charter=charter, actor=admin_user, gro_timeframe_days=25, published_on=date(2025, 7, 1))
    service = charter_service_ensure(
        office=ministry,
        name_en="Old Age Allowance",
        name_bn="বয়স্ক ভাতা",
        category=ServiceCategoryFactory(),
        timeframe_days=15,
        g2p=True,
    )
    charter_service_save(service=service, actor=admin_user, timeframe_days=10, active=False)

    seeded, changed = entries(charter)
    assert (seeded.action, seeded.actor, seeded.office) == (Action.CREATED, None, ministry)
    assert changed.changes == {"gro_timeframe_days": [30, 25], "published_on": [None, "2025-07-01"]}
    assert changed.actor == admin_user
    created, edited = entries(service)
    assert created.changes["name_en"] == [None, "Old Age Allowance"] and created.office == ministry
    assert edited.changes == {"active": [True, False], "timeframe_days": [15, 10]}


def test_the_gro_rank_rule_is_checked_on_a_change_too(ministry, admin_user):
    from tests.factories import GroRankRuleFactory

    joint = RankFactory(code="joint-secretary", grade=3)
    deputy = RankFactory(code="deputy-secretary", grade=5)
    GroRankRuleFactory(layer=Office.Layer.MINISTRY, minimum_rank=joint)
    appointment = appointment_create(user=UserFactory(), office=ministry, role=Role.GRO, rank=joint, actor=admin_user)
    with pytest.raises(errors.ValidationError):
        appointment_change(appointment=appointment, actor=admin_user, rank=deputy)
    assert [e.action for e in entries(appointment)] == [Action.CREATED]


def test_an_audit_entry_cannot_be_changed_or_deleted_from_python(ministry):
    entry = AuditEntry.objects.filter(object_type="offices.office").first()
    entry.object_repr = "rewritten"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="rewritten")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).object_repr != "rewritten"
