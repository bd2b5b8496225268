"""SLA sweep benchmark: the set-based overdue sweep against a per-row loop, and the inbox at that size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/sla_sweep.py [--grievances 1000000] [--overdue-share 0.1]

``DATABASE_URL`` is only the admin connection (default ``postgres://postgres@127.0.0.1:5432/postgres``):
the benchmark creates the scratch database ``grs_bench_sla`` on that server, loads it with COPY and drops
it at the end, also on Ctrl-C or an error. Delivery hints go to a filesystem broker in a temporary
directory, or to Redis DB 13 when it answers and is empty (flushed at the end); no worker reads them, so
nothing is sent.
"""

import argparse
import io
import math
import os
import random
import re
import secrets
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from statistics import median

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
COPY_CHUNK = 50_000
# Open grievances by status; appealed ones run on the Appeal Officer's date.
STATUS_MIX = {"submitted": 0.5, "in_progress": 0.35, "awaiting_info": 0.1, "appealed": 0.05}
BUSY_SHARE = 0.02  # one district office holds this share of all grievances: the inbox is timed there


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grievances", type=int, default=1_000_000, help="open grievances (default 1000000)")
    parser.add_argument("--overdue-share", type=float, default=0.1, help="share past its deadline (default 0.1)")
    parser.add_argument("--offices", type=int, default=400, help="offices they are spread over (default 400)")
    parser.add_argument("--repeat", type=int, default=3, help="timed sweeps, each from the same state (default 3)")
    parser.add_argument(
        "--baseline-overdue",
        type=int,
        default=10_000,
        help="overdue grievances in the per-row baseline's sample (default 10000); the time is extrapolated",
    )
    parser.add_argument("--inbox-requests", type=int, default=50, help="timed inbox requests (default 50)")
    parser.add_argument("--scratch-db", default="grs_bench_sla", help="scratch database (default grs_bench_sla)")
    args = parser.parse_args()
    if not 1000 <= args.grievances <= 20_000_000 or not 0 < args.overdue_share < 1:
        parser.error("--grievances must be 1000..20000000 and --overdue-share between 0 and 1")
    if args.offices < 62 or args.repeat < 1 or args.baseline_overdue < 1 or args.inbox_requests < 1:
        parser.error("--offices must be at least 62, and --repeat, --baseline-overdue and --inbox-requests positive")
    return args


# --- Loading ------------------------------------------------------------------------------------------


def build_officials() -> dict[int, int]:
    """A GRO and an Appeal Officer at every office (half the Appeal Officers have only a phone, so they get
    SMS); ``{office id: GRO user id}``."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from offices.models import Appointment, Office, Role

    offices = list(Office.objects.order_by("id"))
    start = timezone.localdate() - timedelta(days=365)
    unusable = make_password(None)  # officials here never sign in with a password
    users = []
    for office in offices:
        code = office.code.lower()
        users.append(User(username=f"gro-{code}", email=f"gro-{code}@bench.gov.bd", password=unusable))
        phone = f"+88017{office.pk:08d}"
        email = f"appeal-{code}@bench.gov.bd" if office.pk % 2 else ""
        users.append(User(username=f"appeal-{code}", email=email, phone=phone, password=unusable))
    User.objects.bulk_create(users, batch_size=2000)
    by_name = dict(User.objects.values_list("username", "id"))
    appointments = []
    for office in offices:
        code = office.code.lower()
        for role, name in ((Role.GRO, f"gro-{code}"), (Role.APPEAL_OFFICER, f"appeal-{code}")):
            appointments.append(Appointment(user_id=by_name[name], office=office, role=role, start_date=start))
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    return {office.pk: by_name[f"gro-{office.code.lower()}"] for office in offices}


def grievance_rows(count: int, share: float, office_ids: list[int], busy: int, rng: random.Random):
    """Tab-separated COPY lines for ``count`` open grievances, ``share`` of them past their deadline."""
    from django.utils import timezone

    from bench.filing import NAMES, SENTENCES, SUBJECTS
    from grievances import tracking
    from grievances.models import Grievance

    today, now = timezone.localdate(), timezone.now()
    statuses, weights = list(STATUS_MIX), list(STATUS_MIX.values())
    channels = ["web", "mobile", "udc", "hotline", "paper"]
    descriptions = [" ".join(rng.sample(SENTENCES, 3)) for _i in range(50)]
    columns = [f.column for f in Grievance._meta.concrete_fields if not f.primary_key]
    taken: set[str] = set()
    for _i in range(count):
        number = tracking.generate()
        while number in taken:
            number = tracking.generate()
        taken.add(number)
        status = rng.choices(statuses, weights)[0]
        late = rng.random() < share
        office = busy if rng.random() < BUSY_SHARE else rng.choice(office_ids)
        submitted = now - timedelta(days=rng.randint(0, 90), seconds=rng.randint(0, 86400))
        if status == "appealed":
            # The office's date is past (that is why most appeals come); the Appeal Officer's decides.
            due = today - timedelta(days=rng.randint(1, 60))
            appeal_due = today + timedelta(days=-rng.randint(1, 20) if late else rng.randint(0, 28))
        else:
            due = today - timedelta(days=rng.randint(1, 30)) if late else today + timedelta(days=rng.randint(0, 42))
            appeal_due = None
        anonymous = rng.random() < 0.2
        values = {
            "tracking_number": number,
            "type": "anonymous" if anonymous else "citizen",
            "channel": rng.choice(channels),
            "status": status,
            "office_id": office,
            "current_office_id": office,
            "service_id": None,
            "category_id": None,
            "subject": rng.choice(SUBJECTS),
            "description": rng.choice(descriptions),
            "filed_by_id": None,
            "on_behalf": "f",
            "complainant_name": "" if anonymous else rng.choice(NAMES),
            "complainant_phone": "" if anonymous else f"+88017{rng.randrange(10**8):08d}",
            "complainant_email": "",
            "complainant_address": "",
            "complainant_country": "" if anonymous else "BD",
            "access_code_hash": "hmac$" + secrets.token_hex(32) if anonymous else "",
            "submitted_at": submitted.isoformat(),
            "received_at": submitted.isoformat(),
            "due_date": due.isoformat(),
            "overdue": "f",
            "closed_at": None,
            "appeal_due_date": appeal_due.isoformat() if appeal_due else None,
            "severity": "",
            "language": "bn",
            "simulated": "f",
            "version": 1,
        }
        yield "\t".join(r"\N" if values[c] is None else str(values[c]) for c in columns) + "\n"


def load_grievances(args: argparse.Namespace, office_ids: list[int], busy: int) -> float:
    """COPY the grievances in, then ANALYZE; returns the seconds it took."""
    from django.db import connection

    from grievances.models import Grievance

    columns = ", ".join(f.column for f in Grievance._meta.concrete_fields if not f.primary_key)
    statement = f"COPY {Grievance._meta.db_table} ({columns}) FROM STDIN"
    rows = grievance_rows(args.grievances, args.overdue_share, office_ids, busy, random.Random(1971))
    start = time.perf_counter()
    with connection.cursor() as cursor:
        while True:
            chunk = "".join(line for _i, line in zip(range(COPY_CHUNK), rows, strict=False))
            if not chunk:
                break
            cursor.cursor.copy_expert(statement, io.StringIO(chunk))
        cursor.execute(f"ANALYZE {Grievance._meta.db_table}")
    return time.perf_counter() - start


# --- Measuring ----------------------------------------------------------------------------------------


@dataclass
class Statements:
    """What went through Django's connection: how many statements, and count and seconds by kind."""

    count: int = 0
    by_kind: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)
    last_select: tuple[str, object] = ("", None)

    def breakdown(self) -> str:
        return "; ".join(f"{kind} x{n} {self.seconds[kind] * 1000:.1f} ms" for kind, n in self.by_kind.most_common())


@contextmanager
def statements():
    """Counts and times the statements sent through Django's connection, without keeping their text."""
    from django.db import connection

    seen = Statements()

    def wrapper(execute, sql, params, many, context):
        verb = sql.lstrip().split(None, 1)[0].upper()
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)', sql)
        kind = f"{verb} {table.group(1) if table else ''}".strip()
        if verb == "SELECT":
            seen.last_select = (sql, params)
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.count += 1
            seen.by_kind[kind] += 1
            seen.seconds[kind] += time.perf_counter() - start

    with connection.execute_wrapper(wrapper):
        yield seen


def reset() -> None:
    """Back to the loaded state: nothing marked overdue, no overdue events, no messages; then VACUUM."""
    from django.db import connection

    from audit import timeline_purge
    from grievances.models import EventKind, Grievance, GrievanceEvent
    from notifications.models import Outbox

    Grievance.objects.filter(overdue=True).update(overdue=False)
    with timeline_purge():  # the timeline is append-only; a benchmark's reset is the deliberate exception
        GrievanceEvent.objects.filter(kind=EventKind.OVERDUE).delete()
    Outbox.objects.all().delete()
    with connection.cursor() as cursor:
        for table in (Grievance, GrievanceEvent, Outbox):
            cursor.execute(f"VACUUM ANALYZE {table._meta.db_table}")


def time_sweep(repeat: int) -> list[tuple[float, Statements, object]]:
    """``repeat`` sweeps, each from the loaded state: (seconds, statements, result)."""
    from grievances.services import grievance_sla_sweep

    runs = []
    for _run in range(repeat):
        reset()
        with statements() as seen:
            start = time.perf_counter()
            result = grievance_sla_sweep()
            seconds = time.perf_counter() - start
        runs.append((seconds, seen, result))
    return runs


def naive_sweep(last_pk: int) -> tuple[int, int]:
    """The per-row loop: read every open, unmarked grievance with ``pk <= last_pk``, compare its deadline in
    Python, and for each one past it save the flag and create its event (each in its own transaction, as
    autocommit does). Returns (grievances read, grievances marked)."""
    from django.utils import timezone

    from grievances.models import EventKind, Grievance, GrievanceEvent
    from grievances.workflow import OPEN_STATUSES, Status

    today = timezone.localdate()
    read = marked = 0
    open_unmarked = Grievance.objects.filter(status__in=OPEN_STATUSES, overdue=False, pk__lte=last_pk)
    for grievance in open_unmarked.iterator(chunk_size=2000):
        read += 1
        deadline = grievance.appeal_due_date if grievance.status == Status.APPEALED else grievance.due_date
        if deadline < today:
            grievance.overdue = True
            grievance.save(update_fields=["overdue"])
            GrievanceEvent.objects.create(
                grievance=grievance,
                kind=EventKind.OVERDUE,
                status_after=grievance.status,
                data={"deadline": deadline.isoformat()},
            )
            marked += 1
    return read, marked


def percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def time_inbox(user_id: int, requests: int) -> None:
    """``GET /api/v1/inbox/`` (first page, and with ``?overdue=true``) as the busy office's GRO."""
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(pk=user_id))
    print(f"\ninbox: GET /api/v1/inbox/ as the GRO of the busy office, {requests} timed requests after 3 warm-up")
    print(f"  {'request':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8} {'rows':>7} {'of':>7}")
    seen_by_url = {}
    for url in ("/api/v1/inbox/", "/api/v1/inbox/?overdue=true"):
        for _warm in range(3):
            client.get(url)
        with statements() as seen:
            response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        times = []
        for _run in range(requests):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(
            f"  {url:34} {median(times):8.1f} {percentile(times, 95):8.1f} {times[-1]:8.1f} "
            f"{seen.count:8} {len(body['results']):7} {body['count']:7}"
        )
        seen_by_url[url] = seen
    for url, seen in seen_by_url.items():
        print(f"  {url}: {seen.breakdown()}")
        with connection.cursor() as cursor:
            sql, params = seen.last_select
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        print("  plan of its page query:")
        for line in plan:
            print(f"    {line}")


def explain_sweep() -> None:
    """The plan of the sweep's UPDATE from the loaded state, run and rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from grievances.sla import overdue_update

    reset()
    sql, params = overdue_update(timezone.localdate())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    print("  plan of the UPDATE ... RETURNING (from the loaded state, rolled back):")
    for line in plan:
        print(f"    {line}")


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.filing import cpu_model
    from bench.office_tree import build_tree
    from grievances.models import Grievance
    from offices.models import Office

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"{cpu_model()}, {os.cpu_count()} cores; PostgreSQL {version}; Python {sys.version.split()[0]}")
    broker = os.environ.get("CELERY_BROKER_URL", "filesystem:// in a temporary directory")
    print(f"database {connection.settings_dict['NAME']}; delivery hints to {broker} (no worker reads them)")

    build_tree(args.offices)
    gro_of = build_officials()
    office_ids = sorted(gro_of)
    busy = Office.objects.filter(layer=Office.Layer.DISTRICT).order_by("path").values_list("pk", flat=True).first()
    busy = busy or office_ids[-1]
    seconds = load_grievances(args, office_ids, busy)
    total = Grievance.objects.count()
    size = Grievance.objects.filter(current_office_id=busy).count()
    print(
        f"loaded {total:,} open grievances over {len(office_ids)} offices in {seconds:.1f} s (COPY); "
        f"the busy office holds {size:,}; a GRO and an Appeal Officer at every office"
    )

    print(f"\nsweep: grievance_sla_sweep(), {args.repeat} runs, each from the loaded state")
    runs = time_sweep(args.repeat)
    for n, (took, seen, result) in enumerate(runs, start=1):
        print(
            f"  run {n}: {took:.2f} s, {seen.count} queries; {result.overdue:,} marked overdue "
            f"at {result.offices} offices, {result.messages} digests queued"
        )
        sql_seconds = sum(seen.seconds.values())
        print(f"    {seen.breakdown()}; the rest, {took - sql_seconds:.2f} s: Python, COMMIT, delivery hints")
    sweep_seconds = median(took for took, _s, _r in runs)
    sweep_queries = runs[0][1].count
    explain_sweep()

    reset()
    open_unmarked = total  # every loaded grievance is open and unmarked
    sample = min(total, math.ceil(args.baseline_overdue / args.overdue_share))
    with statements() as seen:
        start = time.perf_counter()
        read, marked = naive_sweep(last_pk=Grievance.objects.order_by("pk").values_list("pk", flat=True)[sample - 1])
        naive_seconds = time.perf_counter() - start
    scale = open_unmarked / read
    extrapolated = naive_seconds * scale
    print(
        f"\nper-row baseline: a sample of {read:,} grievances (the first by id; {marked:,} past their deadline) "
        f"took {naive_seconds:.2f} s and {seen.count:,} queries (it sends no messages at all)"
    )
    if scale > 1:
        print(
            f"  extrapolated linearly to all {open_unmarked:,}: {extrapolated:.1f} s, "
            f"~{round(seen.count * scale):,} queries (x{scale:.1f})"
        )
    print(f"\n  {'':36} {'seconds':>10} {'queries':>12}")
    print(f"  {'set-based sweep (median)':36} {sweep_seconds:10.2f} {sweep_queries:12,}")
    label = "per-row loop" + (" (extrapolated)" if scale > 1 else "")
    print(f"  {label:36} {extrapolated:10.2f} {round(seen.count * scale):12,}")
    print(f"  per-row / set-based: {extrapolated / sweep_seconds:.1f}x the time")

    reset()
    from grievances.services import grievance_sla_sweep

    grievance_sla_sweep()  # the inbox as GROs see it: the overdue ones marked
    # Statistics that know some grievances are overdue, as autovacuum's ANALYZE would soon have them
    # (the loaded table had none, which no live system has).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE grievances_grievance")
    time_inbox(gro_of[busy], args.inbox_requests)


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(BASE_DIR))
    from bench.filing import scratch_environment

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    if not admin_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/sla_sweep.py needs PostgreSQL: set DATABASE_URL to a postgres:// admin connection")
    tmp = tempfile.TemporaryDirectory(prefix="grs-bench-sla-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="grs.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="testserver",
        GRS_VAR_DIR=str(Path(tmp.name) / "var"),
        LOG_LEVEL="WARNING",
    )
    status = 0
    with scratch_environment(admin_url, args.scratch_db, tmp):
        try:
            run(args)
        except KeyboardInterrupt:
            print("\ninterrupted: dropping the scratch database", file=sys.stderr)
            status = 130
    sys.exit(status)


if __name__ == "__main__":
    main()
