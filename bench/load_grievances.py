"""Grievance loader: N grievances with their events across the demo office tree, by COPY, then the tallies.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/load_grievances.py [--grievances 1000000]

``DATABASE_URL`` is only the admin connection: the loader creates the scratch database ``grs_bench_load``,
seeds the demo tree (``seed_demo``), loads it, prints what it loaded and how long it took, and drops it
at the end. ``bench/dashboard.py`` uses :func:`load` to fill its own scratch database.

The spread, meant to look like a year or two of a national system: 70% citizen, 10% official, 20%
anonymous; about two thirds about Social Protection (the MOSW subtree, its upazila and district offices
first, mostly about a charter service with a programme); channels UDC > web > mobile > hotline > paper >
SMS; filing dates over 25 months, more of them recent; the older a grievance, the likelier it is settled
(resolved, some rated, rejected, anonymous ones closed, a few appealed), the open ones older than its
deadline marked overdue; one in eight forwarded once (down the tree, or to another ministry when
misrouted); 2% simulated (pilot). Only the events the dashboards count are written (forwarded, resolved,
rejected, closed, appealed, appeal decided, feedback, overdue): no submitted or accepted events.
"""

import argparse
import io
import json
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
COPY_CHUNK = 100_000
SPAN_DAYS = 760  # a little over two years of filings
CHANNELS = (["udc", "web", "mobile", "hotline", "paper", "sms"], [30, 25, 20, 15, 7, 3])
TYPES = (["citizen", "official", "anonymous"], [70, 10, 20])
RATINGS = ([1, 2, 3, 4, 5], [8, 10, 17, 35, 30])


@dataclass
class Loaded:
    grievances: int
    events: int
    seconds: float


@dataclass
class _Office:
    pk: int
    code: str
    children: list[int]
    services: list[tuple[int, int, int | None]]  # (service id, category id, programme id)


def _tree(rng: random.Random):
    """The demo offices: the Social Protection ones (MOSW's subtree) with weights, the rest, and each
    office's children and charter services."""
    from charters.models import CharterService
    from offices.models import Office

    offices = {}
    for office in Office.objects.order_by("path"):
        offices[office.pk] = _Office(office.pk, office.code, [], [])
    for office in Office.objects.exclude(parent=None).values("pk", "parent_id"):
        offices[office["parent_id"]].children.append(office["pk"])
    for pk, office_id, category_id, programme_id in CharterService.objects.values_list(
        "pk", "office_id", "category_id", "programme_id"
    ):
        offices[office_id].services.append((pk, category_id, programme_id))
    mosw = Office.objects.get(code="MOSW")
    social = list(Office.objects.subtree(mosw).values_list("pk", "layer"))
    weight_of = {"ministry": 2, "directorate": 5, "district": 12, "upazila": 30}
    social_weights = [weight_of.get(layer, 10) for _pk, layer in social]
    others = [pk for pk in offices if pk not in {pk for pk, _layer in social}]
    top = list(Office.objects.filter(depth=1).values_list("pk", flat=True))
    return offices, [pk for pk, _layer in social], social_weights, others, top


def _rows(start_id: int, count: int, rng: random.Random, now):
    """(grievance COPY lines, event COPY lines, feedback COPY lines) for ids start_id .. start_id + count - 1,
    yielded in chunks."""
    from grievances import tracking
    from grievances.models import Grievance, GrievanceEvent

    offices, social, social_weights, others, top = _tree(rng)
    g_columns = [f.column for f in Grievance._meta.concrete_fields]
    e_columns = [f.column for f in GrievanceEvent._meta.concrete_fields if not f.primary_key]
    descriptions = ["Allowance not paid for three months.", "Name left off the beneficiary list.", "Asked for money."]
    grievances, events, feedback = [], [], []
    channels, channel_weights = CHANNELS
    types, type_weights = TYPES
    ratings, rating_weights = RATINGS
    secret = "hmac$" + secrets.token_hex(32)

    def event(gid: int, kind: str, at, status_after: str, data: dict | None = None) -> None:
        values = {
            "grievance_id": gid,
            "kind": kind,
            "actor_id": None,
            "at": at.isoformat(),
            "status_after": status_after,
            "public_note": "",
            "internal_note": "",
            "data": json.dumps(data or {}),
        }
        events.append("\t".join(r"\N" if values[c] is None else str(values[c]) for c in e_columns) + "\n")

    for gid in range(start_id, start_id + count):
        days_ago = int(SPAN_DAYS * (1 - rng.random() ** 0.7))
        submitted = now - timedelta(days=days_ago, seconds=rng.randrange(86400))
        if rng.random() < 0.65:
            office = offices[rng.choices(social, social_weights)[0]]
            with_service = 0.85
        else:
            office = offices[rng.choice(others)]
            with_service = 0.5
        service = rng.choice(office.services) if office.services and rng.random() < with_service else None
        kind = rng.choices(types, type_weights)[0]
        anonymous = kind == "anonymous"
        holder = office
        status, overdue, closed_at, appeal_due = "submitted", False, None, None
        if rng.random() < 0.125:
            target = offices[rng.choice(office.children)] if office.children else offices[rng.choice(top)]
            if target.pk != office.pk:
                at = min(now, submitted + timedelta(days=rng.randint(1, 5)))
                event(gid, "forwarded", at, "submitted", {"from": office.code, "to": target.code})
                holder = target
        due = submitted + timedelta(days=42)
        roll = rng.random()
        settle = 0.0 if days_ago < 3 else 0.45 if days_ago < 45 else 0.93
        if roll < settle:
            settled_at = min(now, submitted + timedelta(days=rng.randint(2, 50), seconds=rng.randrange(86400)))
            closed_at = settled_at
            pick = rng.random()
            if anonymous and pick < 0.15:
                status = "closed"
                event(gid, "closed", settled_at, status)
            elif pick < 0.24:
                status = "rejected"
                event(gid, "rejected", settled_at, status)
            else:
                status = "resolved"
                event(gid, "resolved", settled_at, status)
                if not anonymous and rng.random() < 0.45:
                    rated_at = min(now, settled_at + timedelta(days=rng.randint(0, 10)))
                    rating = rng.choices(ratings, rating_weights)[0]
                    status = "closed"
                    event(gid, "feedback", rated_at, status, {"rating": rating})
                    feedback.append(f"{gid}\t{rating}\t\t{rated_at.isoformat()}\n")
            if status != "closed" and not anonymous and rng.random() < 0.06:
                appealed_at = min(now, settled_at + timedelta(days=rng.randint(1, 20)))
                appeal_due = (appealed_at + timedelta(days=28)).date()
                event(gid, "appealed", appealed_at, "appealed")
                status = "appealed"
                if appealed_at + timedelta(days=20) < now and rng.random() < 0.7:
                    status = "appeal_resolved"
                    event(gid, "appeal_decided", appealed_at + timedelta(days=rng.randint(5, 20)), status)
        else:
            status = rng.choices(["submitted", "in_progress", "awaiting_info"], [40, 50, 10])[0]
        if status in ("submitted", "in_progress", "awaiting_info", "appealed"):
            deadline = appeal_due if status == "appealed" else due.date()
            if deadline < now.date():
                overdue = True
                event(gid, "overdue", min(now, submitted + timedelta(days=43)), status, {"clock": "office"})
        body = str(100_000_000 + gid)
        values = {
            "id": gid,
            "tracking_number": body + str(tracking.damm_digit(body)),
            "type": kind,
            "channel": rng.choices(channels, channel_weights)[0],
            "status": status,
            "office_id": office.pk,
            "current_office_id": holder.pk,
            "service_id": service[0] if service else None,
            "category_id": service[1] if service else None,
            "subject": "Allowance",
            "description": rng.choice(descriptions),
            "filed_by_id": None,
            "on_behalf": "f",
            "complainant_name": "" if anonymous else "Amena Begum",
            "complainant_phone": "" if anonymous else f"+88017{gid % 10**8:08d}",
            "complainant_email": "",
            "complainant_address": "",
            "complainant_country": "" if anonymous else "BD",
            "access_code_hash": secret if anonymous else "",
            "submitted_at": submitted.isoformat(),
            "received_at": submitted.isoformat(),
            "due_date": due.date().isoformat(),
            "overdue": "t" if overdue else "f",
            "closed_at": closed_at.isoformat() if closed_at else None,
            "appeal_due_date": appeal_due.isoformat() if appeal_due else None,
            "severity": "",
            "language": "bn",
            "simulated": "t" if rng.random() < 0.02 else "f",
            "version": 1,
        }
        grievances.append("\t".join(r"\N" if values[c] is None else str(values[c]) for c in g_columns) + "\n")
        if len(grievances) >= COPY_CHUNK:
            yield grievances, events, feedback
            grievances, events, feedback = [], [], []
    if grievances:
        yield grievances, events, feedback


def load(count: int, *, seed: int = 1971, rebuild: bool = True) -> tuple[Loaded, float, object]:
    """Add ``count`` grievances (after any already loaded) with COPY, then rebuild the tallies.

    Returns (what was loaded, seconds the tally rebuild took, its result)."""
    from django.db import connection
    from django.utils import timezone

    from dashboards.models import ForwardTally, Tally
    from dashboards.tally import tallies_rebuild
    from grievances.models import Feedback, Grievance, GrievanceEvent

    g_table, e_table, f_table = (m._meta.db_table for m in (Grievance, GrievanceEvent, Feedback))
    g_columns = ", ".join(f.column for f in Grievance._meta.concrete_fields)
    e_columns = ", ".join(f.column for f in GrievanceEvent._meta.concrete_fields if not f.primary_key)
    start_id = (Grievance.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    rng = random.Random(seed + start_id)
    started = time.perf_counter()
    events = 0
    with connection.cursor() as cursor:
        for grievances, event_lines, feedback in _rows(start_id, count, rng, timezone.now()):
            cursor.cursor.copy_expert(f"COPY {g_table} ({g_columns}) FROM STDIN", io.StringIO("".join(grievances)))
            cursor.cursor.copy_expert(f"COPY {e_table} ({e_columns}) FROM STDIN", io.StringIO("".join(event_lines)))
            cursor.cursor.copy_expert(
                f"COPY {f_table} (grievance_id, rating, comment, at) FROM STDIN", io.StringIO("".join(feedback))
            )
            events += len(event_lines)
        for table in (g_table, e_table, f_table):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
            cursor.execute(f"VACUUM ANALYZE {table}")
    loaded = Loaded(count, events, time.perf_counter() - started)
    if not rebuild:
        return loaded, 0.0, None
    started = time.perf_counter()
    result = tallies_rebuild()
    rebuilt = time.perf_counter() - started
    with connection.cursor() as cursor:
        # The visibility map set, so that dashboards read the tallies' index without visiting the table.
        for model in (Tally, ForwardTally):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return loaded, rebuilt, result


def prepare() -> None:
    """Migrate the scratch database and seed the demo tree, quietly."""
    from django.core.management import call_command

    from offices.demo import seed_demo

    call_command("migrate", verbosity=0)
    seed_demo(stdout=io.StringIO())


def describe_machine() -> str:
    from django.db import connection

    from bench.filing import cpu_model

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    return (
        f"{cpu_model()}, {os.cpu_count()} cores; PostgreSQL {version} (shared_buffers {buffers}); "
        f"Python {sys.version.split()[0]}"
    )


def configure(tmp: tempfile.TemporaryDirectory) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="grs.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="testserver",
        GRS_VAR_DIR=str(Path(tmp.name) / "var"),
        LOG_LEVEL="WARNING",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grievances", type=int, default=1_000_000, help="grievances (default 1000000)")
    parser.add_argument("--scratch-db", default="grs_bench_load", help="scratch database (default grs_bench_load)")
    args = parser.parse_args()
    sys.path.insert(0, str(BASE_DIR))
    from bench.filing import scratch_environment

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    if not admin_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/load_grievances.py needs PostgreSQL: set DATABASE_URL to a postgres:// admin connection")
    tmp = tempfile.TemporaryDirectory(prefix="grs-bench-load-")
    configure(tmp)
    with scratch_environment(admin_url, args.scratch_db, tmp):
        import django

        django.setup()
        print(describe_machine())
        prepare()
        loaded, rebuilt, result = load(args.grievances)
        print(
            f"loaded {loaded.grievances:,} grievances and {loaded.events:,} events in {loaded.seconds:.1f} s (COPY); "
            f"tallies rebuilt in {rebuilt:.1f} s: {result.tally_rows:,} tally rows, {result.forward_rows:,} forwarding"
        )


if __name__ == "__main__":
    main()
