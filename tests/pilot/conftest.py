"""The demo data, a snapshot of every table, user and appointment, and one small pilot simulation run through the
command: once for the package's modules that ask for it, rolled back afterwards; each test runs in a savepoint."""

import io
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation

from offices.models import Appointment
from pilot.models import SimulationRun

SIMULATION = [
    "--district",
    "Kurigram",
    "--district",
    "Satkhira",
    "--unions-per-district",
    "1",
    "--months",
    "2",
    "--per-day",
    "3",
    "--seed",
    "11",
]


def people() -> tuple[set[str], set[tuple]]:
    """Every username, and every appointment as (username, office code, role, start, end)."""
    return (
        set(get_user_model().objects.values_list("username", flat=True)),
        set(Appointment.objects.values_list("user__username", "office__code", "role", "start_date", "end_date")),
    )


def table_counts() -> dict[str, int]:
    """How many rows every table of the database holds."""
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names
            counts[table] = cursor.fetchone()[0]
    return counts


@dataclass
class Pilot:
    before: dict[str, int]  # every table's rows after seed_demo, before the simulation
    people: tuple[set[str], set[tuple]]  # the users and appointments after seed_demo, before the simulation
    stdout: str
    stderr: str
    run: SimulationRun
    media: object


@pytest.fixture(scope="module")
def pilot(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        translation.override("en"),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=io.StringIO())
        before, held = table_counts(), people()
        out, err = io.StringIO(), io.StringIO()
        call_command("simulate_pilot", *SIMULATION, stdout=out, stderr=err)
        yield Pilot(
            before=before,
            people=held,
            stdout=out.getvalue(),
            stderr=err.getvalue(),
            run=SimulationRun.objects.get(),
            media=media,
        )
        transaction.set_rollback(True)
