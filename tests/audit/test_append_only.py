"""The database refuses to rewrite history: no UPDATE of the timeline, the identity-access log or the audit trail
anywhere, and on PostgreSQL no DELETE either, except the narrow ways the pilot's purge and erasure take."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit import timeline_purge
from audit.models import AppendOnly, AuditEntry
from audit.services import audit_forget
from grievances.models import Grievance, GrievanceEvent, IdentityAccess
from grievances.services import grievance_accept, identity_access_record
from offices.models import Appointment, Role
from offices.services import appointment_create
from tests.audit.conftest import file
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the DELETE trigger exists on PostgreSQL only: SQLite empties tables between tests with DELETE",
)

TABLES = {
    "grievances_grievanceevent": "public_note = 'rewritten'",
    "grievances_identityaccess": "via = 'api'",
    "audit_auditentry": "object_repr = 'rewritten'",
}


@pytest.fixture
def rows(world):
    grievance = file(world["dss"])
    grievance_accept(grievance_id=grievance.pk, actor=world["gro"])
    identity_access_record(grievance=grievance, actor=world["gro"], via=IdentityAccess.Via.WEB)
    return grievance


def raw(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def refused(sql: str) -> bool:
    """True when the database refuses ``sql`` (in a savepoint, so the test's transaction goes on)."""
    try:
        with transaction.atomic():
            raw(sql)
    except DatabaseError as exc:
        assert "append-only" in str(exc)
        return True
    return False


@pytest.mark.parametrize("table", sorted(TABLES))
def test_a_raw_update_is_refused(rows, table):
    before = list(GrievanceEvent.objects.values_list("public_note", flat=True))
    assert refused(f"UPDATE {table} SET {TABLES[table]}")  # noqa: S608 - our own table names
    assert list(GrievanceEvent.objects.values_list("public_note", flat=True)) == before


@postgresql_only
@pytest.mark.parametrize("table", sorted(TABLES))
def test_a_raw_delete_is_refused_on_postgresql(rows, table):
    counts = (GrievanceEvent.objects.count(), IdentityAccess.objects.count(), AuditEntry.objects.count())
    assert refused(f"DELETE FROM {table}")  # noqa: S608 - our own table names
    assert (GrievanceEvent.objects.count(), IdentityAccess.objects.count(), AuditEntry.objects.count()) == counts


@postgresql_only
def test_deleting_a_real_grievance_is_refused_for_its_timeline(rows):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Grievance.objects.filter(pk=rows.pk).delete()
    assert GrievanceEvent.objects.filter(grievance=rows).count() == 2


@postgresql_only
def test_a_purge_deletes_inside_timeline_purge_and_is_refused_again_after_it(rows, world):
    other = file(world["mofood"])
    with timeline_purge():
        Grievance.objects.filter(pk=rows.pk).delete()
    assert not GrievanceEvent.objects.filter(grievance_id=rows.pk).exists()
    assert not IdentityAccess.objects.exists()
    # The way closes with the block, even inside the same transaction.
    assert refused(f"DELETE FROM grievances_grievanceevent WHERE grievance_id = {other.pk}")  # noqa: S608
    assert refused("UPDATE grievances_grievanceevent SET public_note = 'x'")


@postgresql_only
def test_timeline_purge_never_allows_an_update(rows):
    with timeline_purge():
        assert refused("UPDATE grievances_grievanceevent SET public_note = 'x'")
        assert refused("UPDATE audit_auditentry SET object_repr = 'x'")


def test_simulated_grievances_are_deleted_with_their_timelines(world):
    simulated, real = file(world["dss"], simulated=True), file(world["dss"])
    identity_access_record(grievance=simulated, actor=world["gro"], via=IdentityAccess.Via.WEB)
    Grievance.objects.filter(simulated=True).delete()
    assert list(Grievance.objects.values_list("pk", flat=True)) == [real.pk]
    assert set(GrievanceEvent.objects.values_list("grievance_id", flat=True)) == {real.pk}
    assert not IdentityAccess.objects.exists()


def test_the_pilots_purge_may_forget_the_trail_of_simulated_appointments_and_nothing_else(world):
    simulated = appointment_create(user=UserFactory(), office=world["dss"], role=Role.GRO)
    real = appointment_create(user=UserFactory(), office=world["dss"], role=Role.GRO)
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(object_type="offices.appointment").delete()

    assert audit_forget(model=Appointment, ids=[simulated.pk]) == 1
    kept = AuditEntry.objects.filter(object_type="offices.appointment").values_list("object_id", flat=True)
    assert list(kept) == [str(real.pk)]
    assert refused("UPDATE audit_auditentry SET object_repr = 'x'")
