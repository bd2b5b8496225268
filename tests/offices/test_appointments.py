"""Appointments: a GRO's rank must meet the layer's minimum unless an administrator recorded an exception."""

import pytest

from grs import errors
from offices.models import Appointment, GroRankException, Office, Role
from offices.services import RankTooLow, appointment_create, gro_rank_exception_grant
from tests.factories import GroRankRuleFactory, OfficeFactory, RankFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranks():
    joint = RankFactory(code="joint-secretary", name_en="Joint Secretary", grade=3)
    deputy = RankFactory(code="deputy-secretary", name_en="Deputy Secretary", grade=5)
    secretary = RankFactory(code="secretary", name_en="Secretary", grade=1)
    GroRankRuleFactory(layer=Office.Layer.MINISTRY, minimum_rank=joint)
    return {"joint": joint, "deputy": deputy, "secretary": secretary}


@pytest.fixture
def ministry():
    return OfficeFactory(code="MOSW", layer=Office.Layer.MINISTRY)


def test_a_gro_below_the_minimum_is_refused_with_the_minimum_named(ranks, ministry):
    with pytest.raises(RankTooLow) as refused:
        appointment_create(user=UserFactory(), office=ministry, role=Role.GRO, rank=ranks["deputy"])

    assert isinstance(refused.value, errors.ValidationError)
    assert refused.value.field == "rank"
    assert "A GRO at MOSW must be Joint Secretary or above; Deputy Secretary is below that." in str(refused.value)
    assert not Appointment.objects.exists()


def test_a_gro_without_a_rank_is_refused_where_a_minimum_applies(ranks, ministry):
    with pytest.raises(RankTooLow, match="no rank"):
        appointment_create(user=UserFactory(), office=ministry, role=Role.GRO)


def test_the_minimum_and_above_are_accepted(ranks, ministry):
    at_minimum = appointment_create(user=UserFactory(), office=ministry, role=Role.GRO, rank=ranks["joint"])
    above = appointment_create(user=UserFactory(), office=ministry, role=Role.GRO, rank=ranks["secretary"])
    assert Appointment.objects.filter(pk__in=[at_minimum.pk, above.pk], role=Role.GRO).count() == 2


def test_the_rule_binds_only_gros_and_only_its_layer(ranks, ministry):
    directorate = OfficeFactory(code="DSS", parent=ministry, layer=Office.Layer.DIRECTORATE)
    focal = appointment_create(user=UserFactory(), office=ministry, role=Role.FOCAL_POINT, rank=ranks["deputy"])
    gro = appointment_create(user=UserFactory(), office=directorate, role=Role.GRO, rank=ranks["deputy"])
    assert (focal.role, gro.office.code) == (Role.FOCAL_POINT, "DSS")


def test_an_exception_with_a_reason_lets_the_office_appoint_below_the_minimum(ranks, ministry):
    admin = UserFactory(username="admin")
    exception = gro_rank_exception_grant(
        office=ministry, reason="  No Joint Secretary posted until June.  ", actor=admin
    )

    appointment = appointment_create(user=UserFactory(), office=ministry, role=Role.GRO, rank=ranks["deputy"])

    assert appointment.rank == ranks["deputy"]
    stored = GroRankException.objects.get(office=ministry)
    assert stored.pk == exception.pk
    assert (stored.reason, stored.granted_by) == ("No Joint Secretary posted until June.", admin)
    other = OfficeFactory(code="MOFOOD", layer=Office.Layer.MINISTRY)
    with pytest.raises(RankTooLow):
        appointment_create(user=UserFactory(), office=other, role=Role.GRO, rank=ranks["deputy"])


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_exception_needs_a_reason(ranks, ministry, reason):
    with pytest.raises(errors.ValidationError) as refused:
        gro_rank_exception_grant(office=ministry, reason=reason, actor=UserFactory())

    assert refused.value.field == "reason"
    assert not GroRankException.objects.exists()
    with pytest.raises(RankTooLow):
        appointment_create(user=UserFactory(), office=ministry, role=Role.GRO, rank=ranks["deputy"])


def test_appointing_again_returns_the_current_appointment_and_updates_its_details(ranks, ministry):
    user = UserFactory()
    first = appointment_create(user=user, office=ministry, role=Role.GRO, rank=ranks["joint"], designation="JS")
    again = appointment_create(user=user, office=ministry, role=Role.GRO, rank=ranks["joint"], designation="JS")
    promoted = appointment_create(user=user, office=ministry, role=Role.GRO, rank=ranks["secretary"], designation="S")

    assert first.pk == again.pk == promoted.pk
    stored = Appointment.objects.get()
    assert (stored.rank, stored.designation) == (ranks["secretary"], "S")
