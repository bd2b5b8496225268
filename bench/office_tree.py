"""Office-tree benchmark: a subtree as one indexed prefix match versus walking the tree by ``parent_id``.

    python bench/office_tree.py [--offices 50000] [--repeat 20]

It never touches your data. With no ``DATABASE_URL`` (or a SQLite one) it works on a SQLite file in a
temporary directory; with a PostgreSQL ``DATABASE_URL`` it creates a scratch database on the same
server (``grs_bench`` unless ``--scratch-db`` says otherwise) and drops it afterwards.
"""

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent

# Shape of the tree (Bangladesh-like): ministries and divisions, a few directorates each, and for
# directorates with field offices one office per district, upazila and union.
MINISTRIES = 60
DIRECTORATES_PER_MINISTRY = 3
DISTRICTS = 64
UPAZILAS_PER_DISTRICT = 8
UNIONS_PER_UPAZILA = 9


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offices", type=int, default=50_000, help="offices in the tree (default 50000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each query (default 20)")
    parser.add_argument("--scratch-db", default="grs_bench", help="PostgreSQL scratch database (default grs_bench)")
    parser.add_argument("--var-dir", help="SQLite: keep the database in this directory instead of a temporary one")
    args = parser.parse_args()
    if args.offices < MINISTRIES + 2 or args.repeat < 1:
        parser.error(f"--offices must be at least {MINISTRIES + 2} and --repeat at least 1")
    return args


def scratch_postgres(url: str, name: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database ``name`` next to the one ``url`` names; return its URL and a dropper."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    if parts.path.lstrip("/") == name:
        sys.exit(f"--scratch-db {name} is the database DATABASE_URL names; pick another so it is not dropped")

    def run(statement: sql.Composable) -> None:
        conn = psycopg2.connect(url)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement)
        finally:
            conn.close()

    run(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path=f"/{name}")), lambda: run(
        sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
    )


def tree_shape() -> Iterator[tuple[str, str, str | None]]:
    """``(code, layer, parent code)`` for the whole tree, every parent before its children."""
    from offices.models import Office

    ministries = [f"MIN-{m:02}" for m in range(MINISTRIES)]
    directorates = [f"{m}-D{d}" for d in range(DIRECTORATES_PER_MINISTRY) for m in ministries]
    yield from ((code, Office.Layer.MINISTRY, None) for code in ministries)
    yield from ((code, Office.Layer.DIRECTORATE, code[:-3]) for code in sorted(directorates))
    # Field offices go to the first directorate of every ministry in turn, then to the second ...
    for directorate in directorates:
        for z in range(DISTRICTS):
            district = f"{directorate}-Z{z:02}"
            yield district, Office.Layer.DISTRICT, directorate
            for u in range(UPAZILAS_PER_DISTRICT):
                upazila = f"{district}-U{u}"
                yield upazila, Office.Layer.UPAZILA, district
                for n in range(UNIONS_PER_UPAZILA):
                    yield f"{upazila}-N{n}", Office.Layer.UNION, upazila


def office_rows(total: int) -> list[dict]:
    """The first ``total`` offices of the tree, with ids and paths computed as offices.services computes them."""
    from offices.services import _encode_step

    rows: list[dict] = []
    by_code: dict[str, dict] = {}
    children: dict[str | None, int] = {}
    for code, layer, parent_code in islice(tree_shape(), total):
        parent = by_code[parent_code] if parent_code else None
        children[parent_code] = children.get(parent_code, 0) + 1
        path = (parent["path"] if parent else "") + _encode_step(children[parent_code])
        row = {"id": len(rows) + 1, "code": code, "layer": layer, "parent_id": parent and parent["id"], "path": path}
        rows.append(row)
        by_code[code] = row
    return rows


def build_tree(total: int) -> None:
    from django.db import connection, transaction

    from offices.models import PATH_STEP, Office

    rows = office_rows(total)
    with transaction.atomic():
        Office.objects.bulk_create(
            [
                Office(
                    id=row["id"],
                    code=row["code"],
                    name_en=f"Office {row['code']}",
                    name_bn=f"দপ্তর {row['code']}",
                    layer=row["layer"],
                    parent_id=row["parent_id"],
                    path=row["path"],
                    depth=len(row["path"]) // PATH_STEP,
                )
                for row in rows
            ],
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Office._meta.db_table}")


def subtree_list(office) -> list:
    from offices.models import Office

    return list(Office.objects.subtree(office))


def subtree_count(office) -> int:
    from offices.models import Office

    return Office.objects.subtree(office).count()


def walk_by_level(office) -> list:
    """Breadth-first: one ``parent_id IN (...)`` query per level of the tree."""
    from offices.models import Office

    found, frontier = [office], [office.pk]
    while frontier:
        level = list(Office.objects.filter(parent_id__in=frontier))
        found.extend(level)
        frontier = [child.pk for child in level]
    return found


def walk_by_office(office) -> list:
    """The naive recursion: ask every office for its children, one query each."""
    from offices.models import Office

    found = [office]
    for child in Office.objects.filter(parent_id=office.pk):
        found.extend(walk_by_office(child))
    return found


def measure(func: Callable, office, repeat: int) -> tuple[float, float, int]:
    """p50 and p95 in milliseconds over ``repeat`` runs (after one warm-up), and the queries one run makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        func(office)
    times = []
    for _run in range(repeat):
        start = time.perf_counter()
        func(office)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return median(times), times[math.ceil(0.95 * len(times)) - 1], len(queries)


def explain(office) -> str:
    from django.db import connection

    from offices.models import Office

    queryset = Office.objects.subtree(office)
    if connection.vendor == "postgresql":
        return queryset.explain(analyze=True, buffers=True)
    return queryset.explain()


def report(scope: str, office, repeat: int) -> None:
    from offices.models import Office

    size = Office.objects.subtree(office).count()
    expected = sorted(o.pk for o in subtree_list(office))
    methods = [
        ("subtree count (path prefix)", subtree_count),
        ("subtree list (path prefix)", subtree_list),
        ("walk by level (parent_id IN)", walk_by_level),
        ("walk by office (recursion)", walk_by_office),
    ]
    print(f"\n{scope}: {office.code}, {size} offices")
    print(f"  {'method':30} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'p50 / subtree list':>19}")
    base = None
    for label, func in methods:
        if func is not subtree_count:
            assert sorted(o.pk for o in func(office)) == expected, label
        p50, p95, queries = measure(func, office, repeat)
        if func is subtree_list:
            base = p50
        ratio = f"{p50 / base:.1f}x" if base and func is not subtree_list else ""
        print(f"  {label:30} {p50:9.2f} {p95:9.2f} {queries:8} {ratio:>19}")
    print("  plan of the subtree query:")
    for line in explain(office).splitlines():
        print(f"    {line}")


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from offices.models import Office

    call_command("migrate", "offices", verbosity=0)
    start = time.perf_counter()
    build_tree(args.offices)
    built = time.perf_counter() - start
    print(f"{connection.vendor} {connection.Database.__name__}, database {connection.settings_dict['NAME']}")
    print(f"built {Office.objects.count()} offices in {built:.1f} s; {args.repeat} timed runs each")

    def biggest(layer: str) -> Office:
        offices = Office.objects.filter(layer=layer).order_by("path")[:3]
        return max(offices, key=lambda o: Office.objects.subtree(o).count())

    report("ministry", biggest(Office.Layer.MINISTRY), args.repeat)
    if Office.objects.filter(layer=Office.Layer.DISTRICT).exists():
        report("district", biggest(Office.Layer.DISTRICT), args.repeat)


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grs.settings")
    os.environ.setdefault("SECRET_KEY", "office-tree-benchmark")
    var_dir = tempfile.TemporaryDirectory(prefix="grs-bench-")
    os.environ["GRS_VAR_DIR"] = args.var_dir or var_dir.name
    drop = None
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"], drop = scratch_postgres(url, args.scratch_db)
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if drop:
            drop()
        var_dir.cleanup()


if __name__ == "__main__":
    main()
