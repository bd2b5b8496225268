"""Load test: the mixed scenario of ``bench/load/locustfile.py`` on gunicorn + PostgreSQL + Redis + a Celery worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/load/run.py [--grievances 200000] [--users 60] [--duration 180] [--workers 5]

``DATABASE_URL`` is only the admin connection: the run creates the scratch database ``grs_bench_locust``,
migrates it, seeds the demo offices and accounts, loads ``--grievances`` grievances with their events and
tallies (``bench/load_grievances.py``), and drops it at the end. Celery's broker is Redis DB 13 when it is
reachable and empty (flushed at the end); a real ``celery worker`` delivers the SMS receipts (to a file).

gunicorn starts from ``deploy/gunicorn.conf.py``, as in production, with ``--workers`` sync workers; rate
limits are off (``RATELIMIT_ENABLE=false``: every simulated citizen comes from 127.0.0.1). Locust runs
headless with ``--users`` simulated people for ``--duration`` seconds, then the same scenario runs against
the naive baseline: one gunicorn worker, the shape of a development server. For each request type it
prints requests, throughput, p50 / p95 / p99 and failures for both, and the ratios; then whether every
grievance a citizen was given a receipt for is in the database, and how long the worker took to deliver
the SMS receipts queued during the run.

Static files are not requested: nginx serves them from disk (``deploy/nginx``) and browsers cache them.
Everything runs on this machine, the load generator included, so the figures are a floor for a server
that does not share its cores with the clients.
"""

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
# The GROs in the scenario and the offices they handle; citizens file there half of the time, so the
# inboxes fill during the run. The other half goes to any office with a charter.
GRO_ACCOUNTS = ["gro-dss-kurigram", "gro-dss", "gro-mosw", "gro-mofood"]
DASHBOARD_ACCOUNTS = ["cabinet", "mosw"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grievances", type=int, default=200_000, help="grievances loaded first (default 200000)")
    parser.add_argument("--users", type=int, default=60, help="simulated people at once (default 60)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="people started per second (default 10)")
    parser.add_argument("--duration", type=int, default=180, help="seconds of load per run (default 180)")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers (default 2 x cores + 1)"
    )
    parser.add_argument("--celery-concurrency", type=int, default=2, help="Celery worker processes (default 2)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-worker baseline run")
    parser.add_argument("--scratch-db", default="grs_bench_locust", help="scratch database (default grs_bench_locust)")
    args = parser.parse_args()
    if args.grievances < 0 or not 1 <= args.users <= 2000 or args.duration < 5 or not 1 <= args.workers <= 64:
        parser.error("--grievances must be >= 0, --users 1..2000, --duration >= 5 and --workers 1..64")
    return args


# --- The data the scenario needs ----------------------------------------------------------------------


def prepare(grievances: int) -> None:
    from bench.load_grievances import load
    from bench.load_grievances import prepare as migrate_and_seed

    started = time.perf_counter()
    migrate_and_seed()
    print(f"migrated and seeded the demo offices and accounts in {time.perf_counter() - started:.0f} s")
    if grievances:
        loaded, rebuilt, _result = load(grievances)
        print(
            f"loaded {loaded.grievances:,} grievances and {loaded.events:,} events in {loaded.seconds:.0f} s; "
            f"tallies rebuilt in {rebuilt:.0f} s"
        )
        print_sizes(grievances)


def print_sizes(grievances: int) -> None:
    """What the loaded data takes on disk, tables with their indexes: the figures docs/scale.md grows from."""
    from django.db import connection

    tables = ["grievances_grievance", "grievances_grievanceevent", "dashboards_tally", "dashboards_forwardtally"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
        sizes = []
        for table in tables:
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            sizes.append(f"{table} {cursor.fetchone()[0] / 2**20:,.0f} MB")
    per = total / grievances / 1024
    print(f"on disk: {', '.join(sizes)}; database {total / 2**20:,.0f} MB ({per:.1f} KB a grievance)")


def scenario_data(path: Path) -> dict:
    """Write the JSON the locustfile reads: offices to file at (with their services) and the accounts."""
    from charters.models import CharterService
    from offices.demo import ACCOUNTS, DEFAULT_PASSWORD
    from offices.models import Office

    services: dict[int, list[int]] = {}
    for office_id, service_id in CharterService.objects.values_list("office_id", "pk"):
        services.setdefault(office_id, []).append(service_id)
    by_code = {a.username: a for a in ACCOUNTS}
    gro_offices = [by_code[name].office for name in GRO_ACCOUNTS]
    offices = []
    for office in Office.objects.filter(pk__in=services.keys()).only("pk", "code"):
        offices.append({"code": office.code, "services": services[office.pk]})
    for office in Office.objects.filter(code__in=gro_offices).only("pk", "code"):
        # As many entries as all the other offices together: half the filings reach a GRO in the scenario.
        entry = {"code": office.code, "services": services.get(office.pk, [])}
        offices += [entry] * max(1, len(offices) // len(gro_offices))
    data = {
        "password": DEFAULT_PASSWORD,
        "offices": offices,
        "gros": [{"username": name, "office": by_code[name].office} for name in GRO_ACCOUNTS],
        "dashboards": [{"username": name, "office": by_code[name].office} for name in DASHBOARD_ACCOUNTS],
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


# --- Servers -------------------------------------------------------------------------------------------


@contextmanager
def celery_worker(concurrency: int, log: Path):
    command = [
        str(BASE_DIR / ".venv" / "bin" / "celery"),
        "-A",
        "grs",
        "worker",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=WARNING",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_healthy(port: int, log: Path, seconds: float = 60) -> dict:
    """/health/ until it answers 200 (the worker's heartbeat included); its JSON."""
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as answer:
                return json.loads(answer.read())
        except OSError as exc:
            last = str(exc)
            time.sleep(1)
    sys.exit(f"/health/ did not answer 200 within {seconds:.0f} s: {last}\n{log.read_text()[-3000:]}")


# --- Locust ------------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


def _ms(value: str) -> float:
    """A percentile from locust's CSV: ``N/A`` when the type had no request."""
    try:
        return float(value)
    except ValueError:
        return 0.0


def run_locust(port: int, args: argparse.Namespace, prefix: Path, data_file: Path) -> list[Row]:
    command = [
        str(BASE_DIR / ".venv" / "bin" / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.duration}s",
        "--stop-timeout",
        "30",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "GRS_LOAD_DATA": str(data_file), "GRS_LOAD_RECEIPTS": f"{prefix}_receipts.txt"}
    log = prefix.with_suffix(".log")
    with log.open("wb") as out:
        finished = subprocess.run(command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    # Locust exits 1 when any request failed; the table below shows which.
    if finished.returncode not in (0, 1):
        sys.exit(f"locust exited with {finished.returncode}:\n{log.read_text()[-3000:]}")
    rows = []
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            rows.append(
                Row(
                    record["Name"],
                    int(record["Request Count"]),
                    int(record["Failure Count"]),
                    float(record["Requests/s"]),
                    _ms(record["50%"]),
                    _ms(record["95%"]),
                    _ms(record["99%"]),
                )
            )
    if not any(row.requests for row in rows):
        sys.exit(f"locust sent no request:\n{log.read_text()[-3000:]}")
    failures = Path(f"{prefix}_failures.csv").read_text(encoding="utf-8").splitlines()[1:]
    for line in failures[:10]:
        print(f"  failure: {line[:300]}")
    return rows


def print_rows(label: str, rows: list[Row]) -> None:
    print(f"\n{label}")
    print(f"  {'request':28} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'failed':>7}")
    for row in rows:
        print(
            f"  {row.name:28} {row.requests:9,} {row.rps:7.1f} {row.p50:8.0f} {row.p95:8.0f} {row.p99:8.0f} "
            f"{row.failures:7}"
        )


def print_ratios(rows: list[Row], baseline: list[Row]) -> None:
    base = {row.name: row for row in baseline}
    print("\nbaseline / production shape (above 1: the production shape is that many times better)")
    print(f"  {'request':28} {'throughput':>11} {'p50':>8} {'p95':>8}")
    for row in rows:
        other = base.get(row.name)
        if other is None or not row.rps or not other.rps:
            continue
        print(
            f"  {row.name:28} {row.rps / other.rps:10.1f}x {other.p50 / max(row.p50, 1):7.1f}x "
            f"{other.p95 / max(row.p95, 1):7.1f}x"
        )


def one_run(label: str, workers: int, args, tmp: Path, data_file: Path) -> tuple[list[Row], int, float]:
    """A gunicorn with ``workers`` and a Celery worker, the scenario against them; the rows, the grievances
    added and the seconds the worker needed afterwards to deliver what was queued."""
    from django.db import connections

    from bench.filing import gunicorn
    from grievances.models import Grievance
    from notifications.models import Outbox

    connections.close_all()
    before = Grievance.objects.count()
    connections.close_all()
    os.environ["WEB_CONCURRENCY"] = str(workers)
    with (
        celery_worker(args.celery_concurrency, tmp / f"celery-{workers}.log"),
        gunicorn(workers, tmp / f"gunicorn-{workers}.log", config=BASE_DIR / "deploy" / "gunicorn.conf.py") as port,
    ):
        health = wait_healthy(port, tmp / f"gunicorn-{workers}.log")
        print(f"\n{label}: gunicorn with {workers} sync workers, /health/ {health.get('status')}")
        rows = run_locust(port, args, tmp / f"locust-{workers}", data_file)
        started = time.monotonic()
        pending = Outbox.objects.exclude(status__in=[Outbox.Status.SENT, Outbox.Status.SUPPRESSED])
        while pending.filter(status__in=[Outbox.Status.PENDING, Outbox.Status.SENDING]).exists():
            if time.monotonic() - started > 300:
                break
            time.sleep(0.5)
        drained = time.monotonic() - started
        unsent = pending.count()
        connections.close_all()
    added = Grievance.objects.count() - before
    print_rows(label, rows)
    receipts = set(Path(f"{tmp}/locust-{workers}_receipts.txt").read_text(encoding="utf-8").split())
    stored = set(Grievance.objects.filter(tracking_number__in=receipts).values_list("tracking_number", flat=True))
    missing = receipts - stored
    verdict = "every one stored" if not missing else f"{len(missing)} MISSING, e.g. {sorted(missing)[:5]}"
    print(f"  receipts given: {len(receipts):,}; {verdict}; grievances added: {added:,}", end="")
    # A filing whose answer was still on its way when the clock stopped is stored without a receipt.
    print(f" ({added - len(receipts)} answered after the load stopped)" if added > len(receipts) else "")
    print(f"  SMS outbox drained {drained:.1f} s after the load stopped; {unsent} not sent")
    return rows, len(missing), drained


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(BASE_DIR))
    from bench.filing import cpu_model, scratch_environment

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    if not admin_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/load/run.py needs PostgreSQL: set DATABASE_URL to a postgres:// admin connection")
    tmp = tempfile.TemporaryDirectory(prefix="grs-bench-locust-")
    tmp_path = Path(tmp.name)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="grs.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="false",
        RATELIMIT_ENABLE="false",
        GRS_VAR_DIR=str(tmp_path / "var"),
        GRS_ACCESS_LOG="false",
        LOG_LEVEL="WARNING",
        SMS_BACKEND="file",
        SMS_FILE_PATH=str(tmp_path / "sms.jsonl"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    mismatch = 0
    with scratch_environment(admin_url, args.scratch_db, tmp) as broker:
        if broker is None:
            sys.exit("bench/load/run.py needs Redis at 127.0.0.1:6379 with an empty DB 13 for Celery's broker")
        os.environ["CACHE_URL"] = os.environ["CELERY_BROKER_URL"]  # the health probe's cache: DB 13 too
        import django

        django.setup()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(f"{cpu_model()}, {os.cpu_count()} cores; PostgreSQL {version}; Python {sys.version.split()[0]}")
        prepare(args.grievances)
        data_file = tmp_path / "scenario.json"
        data = scenario_data(data_file)
        print(
            f"scenario: {args.users} people ({args.spawn_rate:g} started per second) for {args.duration} s; "
            f"{len({o['code'] for o in data['offices']})} offices to file at; "
            f"Celery worker with {args.celery_concurrency} processes"
        )
        rows, lost, _drained = one_run("production shape", args.workers, args, tmp_path, data_file)
        mismatch += abs(lost)
        if not args.no_baseline:
            baseline, lost, _drained = one_run("naive baseline", 1, args, tmp_path, data_file)
            mismatch += abs(lost)
            print_ratios(rows, baseline)
    sys.exit(1 if mismatch else 0)


if __name__ == "__main__":
    main()
