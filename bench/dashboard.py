"""Dashboard benchmark: the figures from the tallies against the same figures counted live from grievances.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/dashboard.py [--sizes 1000000,5000000] [--runs 30]

``DATABASE_URL`` is only the admin connection: the benchmark creates the scratch database
``grs_bench_dashboard``, seeds the demo tree, loads grievances with ``bench/load_grievances.py`` up to
each size in turn (adding to what is there) and rebuilds the tallies, and drops the database at the end.
At each size it times ``dashboard_figures`` (totals, drill-down, categories, channels, districts) for the
demo users ``cabinet`` (everything), ``mosw`` (a ministry's subtree) and ``gro-dss-kurigram`` (a district
office), all time and over a ten-month range, and the live baseline: the same breakdowns with
COUNT / GROUP BY over grievances and events, scoped by office path. It prints p50/p95, their ratio, the
queries per dashboard, and the plan of the slowest query of the Cabinet's dashboard.
"""

import argparse
import math
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from statistics import median

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SCOPES = [
    ("cabinet", "Cabinet (everything)"),
    ("mosw", "ministry (MOSW subtree)"),
    ("gro-dss-kurigram", "district office"),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Recorder:
    """The statements sent through Django's connection while active, with their seconds."""

    def __init__(self) -> None:
        self.statements: list[tuple[float, str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((time.perf_counter() - start, sql, params))


def time_dashboard(user, runs: int, date_from, date_to) -> tuple[list[float], Recorder]:
    from django.db import connection

    from dashboards.selectors import dashboard_figures

    for _warm in range(3):
        dashboard_figures(user, date_from=date_from, date_to=date_to)
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        dashboard_figures(user, date_from=date_from, date_to=date_to)
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        dashboard_figures(user, date_from=date_from, date_to=date_to)
        times.append((time.perf_counter() - start) * 1000)
    return times, recorder


def baseline_queries(user, date_from, date_to) -> list[tuple[str, list]]:
    """The live-COUNT version of the same dashboard: per breakdown (child office, category, channel, district)
    the open grievances by status, the filings, and the events by kind, straight from the grievance tables."""
    from dashboards.selectors import dashboard_region
    from offices.models import PATH_STEP, Office

    region = dashboard_region(user)
    if region.everything:
        scope, scope_params, depth = "TRUE", [], PATH_STEP
    else:
        unit = region.units[0]
        if unit.subtree:
            scope, scope_params = "o.path LIKE %s", [unit.office.path + "%"]
        else:
            scope, scope_params = "o.id = %s", [unit.office.pk]
        depth = len(unit.office.path) + PATH_STEP
    assert Office.objects.exists()
    keys = {
        "office": (f"substr(o.path, 1, {depth})", ""),
        "category": (
            "g.category_id, s.programme_id, s.g2p",
            "LEFT JOIN charters_charterservice s ON s.id = g.service_id",
        ),
        "channel": ("g.channel", ""),
        "district": (
            "CASE a.level WHEN 'district' THEN a.id WHEN 'upazila' THEN a.parent_id ELSE ap.parent_id END",
            "LEFT JOIN offices_adminunit a ON a.id = o.admin_unit_id "
            "LEFT JOIN offices_adminunit ap ON ap.id = a.parent_id",
        ),
    }
    filed_range = event_range = ""
    range_params: list = []
    if date_from:
        filed_range = " AND g.submitted_at >= %s AND g.submitted_at < %s"
        event_range = " AND e.at >= %s AND e.at < %s"
        range_params = [date_from.isoformat(), (date_to + timedelta(days=1)).isoformat()]
    queries = []
    for key, joins in keys.values():
        base = "FROM grievances_grievance g JOIN offices_office o ON o.id = g.{office} " + joins
        queries.append(
            (
                f"SELECT {key}, g.status, g.overdue, COUNT(*) {base.format(office='current_office_id')} "
                f"WHERE {scope} AND NOT g.simulated AND g.status IN ('submitted', 'in_progress', 'awaiting_info', "
                f"'appealed'){filed_range} GROUP BY {key}, g.status, g.overdue",
                [*scope_params, *range_params],
            )
        )
        queries.append(
            (
                f"SELECT {key}, COUNT(*) {base.format(office='office_id')} "
                f"WHERE {scope} AND NOT g.simulated{filed_range} GROUP BY {key}",
                [*scope_params, *range_params],
            )
        )
        queries.append(
            (
                f"SELECT {key}, e.kind, COUNT(*) FROM grievances_grievanceevent e "  # noqa: S608 - our own SQL
                f"JOIN grievances_grievance g ON g.id = e.grievance_id "
                f"JOIN offices_office o ON o.id = g.current_office_id {joins} "
                f"WHERE {scope} AND NOT g.simulated AND e.kind IN ('forwarded', 'resolved', 'rejected', 'closed', "
                f"'appealed', 'appeal_decided', 'feedback', 'overdue'){event_range} GROUP BY {key}, e.kind",
                [*scope_params, *range_params],
            )
        )
    return queries


def time_baseline(user, runs: int, date_from, date_to) -> list[float]:
    from django.db import connection

    queries = baseline_queries(user, date_from, date_to)
    times = []
    with connection.cursor() as cursor:
        for _run in range(runs + 1):
            start = time.perf_counter()
            for sql, params in queries:
                cursor.execute(sql, params)
                cursor.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return times[1:]  # the first run warms the cache


def explain(recorder: Recorder) -> None:
    from django.db import connection, transaction

    from dashboards.selectors import SMALL_READS_SQL

    reads = [statement for statement in recorder.statements if statement[1].lstrip().upper().startswith("SELECT")]
    seconds, sql, params = max(reads, key=lambda s: s[0])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SMALL_READS_SQL)  # as the dashboard runs it
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    print(f"  plan of the Cabinet dashboard's slowest query ({seconds * 1000:.1f} ms when recorded):")
    print(f"    {sql[:300]}...")
    for line in plan:
        print(f"    {line}")


def measure(size: int, args, loaded_seconds: float, rebuilt: float, result) -> list[dict]:
    from django.utils import timezone

    from accounts.models import User
    from dashboards.models import EVERY_OFFICE, ForwardTally, Tally

    print(
        f"\n== {size:,} grievances: loaded in {loaded_seconds:.0f} s (COPY), tallies rebuilt in {rebuilt:.0f} s; "
        f"{Tally.objects.count():,} tally rows ({Tally.objects.filter(subtree=True).count():,} of them subtree "
        f"rows, {Tally.objects.filter(office=EVERY_OFFICE).count():,} every office's), "
        f"{ForwardTally.objects.count():,} forwarding tally rows"
    )
    today = timezone.localdate()
    ranges = [("all time", None, None), ("10 months", today - timedelta(days=305), today - timedelta(days=1))]
    print(
        f"  {'scope':26} {'range':10} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} "
        f"{'live p50':>10} {'live p95':>10} {'live/tally p95':>15}"
    )
    figures = []
    cabinet_recorder = None
    for username, label in SCOPES:
        user = User.objects.get(username=username)
        for range_label, date_from, date_to in ranges:
            times, recorder = time_dashboard(user, args.runs, date_from, date_to)
            live = time_baseline(user, args.baseline_runs, date_from, date_to)
            p50, p95, l50, l95 = median(times), percentile(times, 95), median(live), percentile(live, 95)
            print(
                f"  {label:26} {range_label:10} {p50:8.1f} {p95:8.1f} {len(recorder.statements):8} "
                f"{l50:10.0f} {l95:10.0f} {l95 / p95:14.0f}x"
            )
            figures.append({"size": size, "scope": username, "range": range_label, "p95": p95, "live_p95": l95})
            if username == "cabinet" and date_from is None:
                cabinet_recorder = recorder
    explain(cabinet_recorder)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,5000000", help="grievance counts, ascending (default 1M,5M)")
    parser.add_argument("--runs", type=int, default=30, help="timed dashboards per scope and range (default 30)")
    parser.add_argument("--baseline-runs", type=int, default=3, help="timed live baselines (default 3)")
    parser.add_argument("--scratch-db", default="grs_bench_dashboard", help="scratch database")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if sizes != sorted(sizes) or sizes[0] < 1000:
        parser.error("--sizes must be ascending, each at least 1000")
    sys.path.insert(0, str(BASE_DIR))
    from bench.filing import scratch_environment
    from bench.load_grievances import configure, describe_machine, load, prepare

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    if not admin_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/dashboard.py needs PostgreSQL: set DATABASE_URL to a postgres:// admin connection")
    tmp = tempfile.TemporaryDirectory(prefix="grs-bench-dashboard-")
    configure(tmp)
    with scratch_environment(admin_url, args.scratch_db, tmp):
        import django

        django.setup()
        from offices.models import Office

        print(describe_machine())
        prepare()
        print(f"demo tree: {Office.objects.count()} offices, {Office.objects.filter(depth=1).count()} at the top")
        have = 0
        for size in sizes:
            loaded, rebuilt, result = load(size - have)
            have = size
            measure(size, args, loaded.seconds, rebuilt, result)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
