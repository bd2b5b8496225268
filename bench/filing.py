"""Filing benchmark: grievances filed through ``POST /api/v1/grievances/`` under gunicorn on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/filing.py [--requests 2000] [--concurrency 8] [--workers 2]

``DATABASE_URL`` is only the admin connection (default ``postgres://postgres@127.0.0.1:5432/postgres``):
the benchmark creates the scratch database ``grs_bench_filing`` on that server, files into it and
drops it at the end, also on Ctrl-C or an error. It prints the API's throughput and latency, the
queries one filing makes, and the floor: the same rows written with bare SQL ``INSERT``s.
Delivery hints go to Redis DB 13 when it is reachable and empty (flushed at the end); otherwise
to a filesystem broker in a temporary directory. Only loopback is used.
"""

import argparse
import http.client
import io
import json
import math
import os
import queue
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/13"
URL = "/api/v1/grievances/"

CITIZEN_BD = "citizen, Bangladeshi phone"
ANONYMOUS = "anonymous"
CITIZEN_ABROAD = "citizen, overseas phone"

DISTRICTS = [
    ("KURIGRAM", "Kurigram", "কুড়িগ্রাম"),
    ("SATKHIRA", "Satkhira", "সাতক্ষীরা"),
    ("RANGPUR", "Rangpur", "রংপুর"),
    ("SYLHET", "Sylhet", "সিলেট"),
    ("BARISHAL", "Barishal", "বরিশাল"),
    ("KHULNA", "Khulna", "খুলনা"),
]
SERVICES = [
    ("OAA", "Old Age Allowance", "বয়স্ক ভাতা", 15),
    ("WA", "Allowance for Widowed, Deserted and Destitute Women", "বিধবা ও স্বামী নিগৃহীতা মহিলা ভাতা", 20),
]
SUBJECTS = [
    "তিন মাস ধরে বয়স্ক ভাতার টাকা পাইনি",
    "বিধবা ভাতার তালিকায় নাম ওঠেনি",
    "ভাতার টাকা অন্য মোবাইল নম্বরে চলে গেছে",
    "প্রতিবন্ধী ভাতার কার্ড হারিয়ে গেছে, নতুন কার্ড দিচ্ছে না",
    "তালিকায় নাম তোলার জন্য টাকা চাওয়া হয়েছে",
    "অফিসে গিয়ে বারবার ফিরে আসতে হচ্ছে",
]
SENTENCES = [
    "আমি গত বছর উপজেলা সমাজসেবা অফিসে সব কাগজপত্র জমা দিয়েছি।",
    "ইউনিয়ন পরিষদের সদস্য বলেছেন তালিকা চূড়ান্ত হয়ে গেছে।",
    "আমার জাতীয় পরিচয়পত্রের নম্বর ঠিক আছে, তবুও টাকা আসছে না।",
    "মোবাইল ব্যাংকিং হিসাবে শেষ টাকা এসেছিল চার মাস আগে।",
    "অফিসের কর্মচারী বলেছেন পরের মাসে আবার আসতে।",
    "আমি বয়স্ক মানুষ, বারবার শহরে যাওয়া আমার পক্ষে কঠিন।",
    "দয়া করে বিষয়টি দেখে দ্রুত ব্যবস্থা নেবেন।",
]
NAMES = ["মোছাম্মৎ রহিমা বেগম", "মোঃ আব্দুল করিম", "সুফিয়া খাতুন", "মোঃ জসিম উদ্দিন", "আমেনা বিবি", "নিখিল চন্দ্র দাস"]
ADDRESSES = ["", "গ্রাম: চর রাজিবপুর, ডাকঘর: রাজিবপুর", "গ্রাম: শ্যামনগর, ওয়ার্ড ৫", "বাড়ি ১২, পশ্চিম পাড়া"]
# Prefixes of mobile numbers abroad, each followed by seven digits (UAE, Saudi Arabia, Malaysia).
OVERSEAS_PREFIXES = ["+97150", "+97152", "+97155", "+96650", "+96655", "+6012", "+6016", "+6019"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="timed filings (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--scratch-db", default="grs_bench_filing", help="scratch database (default grs_bench_filing)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 64 or not 1 <= args.workers <= 32:
        parser.error("--requests must be 1..100000, --concurrency 1..64 and --workers 1..32")
    return args


# --- What is filed ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    kind: str
    fields: dict


def make_filings(count: int, offices: dict[str, list[int]], rng: random.Random) -> list[Filing]:
    """``count`` API bodies: 70% citizens with a Bangladeshi phone, 20% anonymous, 10% citizens abroad."""
    from grs.phones import normalise_phone

    filings = []
    for _i in range(count):
        office = rng.choice(sorted(offices))
        fields = {
            "type": "citizen",
            "office": office,
            "subject": rng.choice(SUBJECTS),
            "description": " ".join(rng.sample(SENTENCES, rng.randint(2, 5))),
        }
        if rng.random() < 0.5:
            fields["service"] = rng.choice(offices[office])
        roll = rng.random()
        if roll < 0.2:
            kind = ANONYMOUS
            fields["type"] = "anonymous"
        elif roll < 0.3:
            kind = CITIZEN_ABROAD
            phone = rng.choice(OVERSEAS_PREFIXES) + "".join(rng.choices("0123456789", k=7))
            fields.update(complainant_name=rng.choice(NAMES), complainant_phone=phone)
        else:
            kind = CITIZEN_BD
            phone = "01" + rng.choice("3456789") + "".join(rng.choices("0123456789", k=8))
            fields.update(
                complainant_name=rng.choice(NAMES), complainant_phone=phone, complainant_address=rng.choice(ADDRESSES)
            )
        if "complainant_phone" in fields:
            normalise_phone(fields["complainant_phone"])  # a bad number must fail here, not as a 400 under load
        filings.append(Filing(kind, fields))
    return filings


def build_offices() -> dict[str, list[int]]:
    """A ministry, a directorate and district offices with charters and two services each; ``{code: [service ids]}``."""
    from datetime import timedelta

    from django.utils import timezone

    from charters.models import SOCIAL_PROTECTION, Charter, CharterService, Programme, ServiceCategory
    from offices.models import Holiday, Office
    from offices.services import office_create

    ministry = office_create(
        code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়", layer=Office.Layer.MINISTRY
    )
    directorate = office_create(
        code="DSS",
        name_en="Department of Social Services",
        name_bn="সমাজসেবা অধিদফতর",
        layer=Office.Layer.DIRECTORATE,
        parent=ministry,
    )
    category, _created = ServiceCategory.objects.get_or_create(
        slug=SOCIAL_PROTECTION, defaults={"name_en": "Social Protection", "name_bn": "সামাজিক সুরক্ষা", "order": 0}
    )
    programmes = {
        code: Programme.objects.create(code=code.lower(), name_en=name_en, name_bn=name_bn, ministry=ministry, g2p=True)
        for code, name_en, name_bn, _days in SERVICES
    }
    offices = {}
    for code, name_en, name_bn in DISTRICTS:
        office = office_create(
            code=f"DSS-{code}",
            name_en=f"District Social Services Office, {name_en}",
            name_bn=f"জেলা সমাজসেবা কার্যালয়, {name_bn}",
            layer=Office.Layer.DISTRICT,
            parent=directorate,
        )
        Charter.objects.create(office=office, gro_timeframe_days=30)
        offices[office.code] = [
            CharterService.objects.create(
                office=office,
                name_en=s_en,
                name_bn=s_bn,
                category=category,
                programme=programmes[s_code],
                timeframe_days=days,
                g2p=True,
            ).pk
            for s_code, s_en, s_bn, days in SERVICES
        ]
    # Public holidays inside the 30-working-day window, so deadlines skip them as they do in real life.
    today = timezone.localdate()
    for n, offset in enumerate((9, 16, 23), start=1):
        Holiday.objects.create(date=today + timedelta(days=offset), name_en=f"Holiday {n}", name_bn=f"ছুটি {n}")
    return offices


# --- Queries per filing, in-process -----------------------------------------------------------------


def png_upload(n: int):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    image = Image.new("RGB", (64, 48), (40 * n % 256, 120, 200))
    for x in range(0, 64, 4):
        image.putpixel((x, (x * (n + 1)) % 48), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile(f"photo-{n}.png", out.getvalue(), content_type="image/png")


def describe(queries: list[dict]) -> str:
    """``INSERT grievances_grievance; SAVEPOINT x2; ...`` in the order they first ran."""
    kinds: Counter[str] = Counter()
    for query in queries:
        text = query["sql"].lstrip()
        verb = text.split(None, 1)[0].upper()
        if verb == "RELEASE":
            kinds["RELEASE SAVEPOINT"] += 1
        elif verb in ("SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK"):
            kinds[verb] += 1
        else:
            table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', text)
            kinds[f"{verb} {table.group(1) if table else '?'}"] += 1
    return "; ".join(f"{kind} x{n}" if n > 1 else kind for kind, n in kinds.items())


def count_queries(offices: dict[str, list[int]]) -> None:
    """Print the queries one filing of each kind makes through the API, and the cost of an access-code hash."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from grievances.services import hash_access_code

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="bn")
    office = sorted(offices)[0]
    citizen = {
        "type": "citizen",
        "office": office,
        "subject": SUBJECTS[0],
        "description": " ".join(SENTENCES[:3]),
        "complainant_name": NAMES[0],
        "complainant_phone": "01711000001",
    }
    cases = [
        ("citizen, no attachment", citizen, 0),
        ("citizen with a charter service", {**citizen, "service": offices[office][0]}, 0),
        ("anonymous", {"type": "anonymous", "office": office, "subject": SUBJECTS[1], "description": SENTENCES[0]}, 0),
        ("citizen, 1 PNG", citizen, 1),
        ("citizen, 3 PNGs", citizen, 3),
    ]

    def file(fields: dict, pngs: int):
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        if pngs:
            data = {**fields, "attachments": [png_upload(n) for n in range(pngs)]}
            return client.post(URL, data, headers=headers)
        return client.post(URL, json.dumps(fields), content_type="application/json", headers=headers)

    # The first request loads the URLconf, translations and connection; not a filing's own cost.
    file(citizen, 0)
    print("\nqueries per filing (in-process, POST /api/v1/grievances/ through the test client):")
    counts = {}
    for label, fields, pngs in cases:
        with CaptureQueriesContext(connection) as captured:
            response = file(fields, pngs)
        if response.status_code != 201:
            sys.exit(f"{label}: expected 201, got {response.status_code}: {response.content[:500]!r}")
        counts[label] = len(captured)
        print(f"  {label:32} {len(captured):3}  {describe(captured.captured_queries)}")
    per_file = (counts["citizen, 3 PNGs"] - counts["citizen, 1 PNG"]) / 2
    verdict = "constant" if per_file == 0 else f"not constant: +{per_file:g} per attachment"
    print(f"  in the number of attachments: {verdict}")
    print("  (each is a round trip; not captured: the `SELECT 1` CONN_HEALTH_CHECKS sends once per request)")
    times = []
    for _i in range(3):
        start = time.perf_counter()
        hash_access_code("ABCDE-23456")
        times.append((time.perf_counter() - start) * 1000)
    print(f"  access-code hash (keyed HMAC-SHA256): {median(times):.3f} ms CPU per anonymous filing")


# --- Load through gunicorn --------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    status: int
    ms: float
    problem: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(workers: int, log: Path, *, config: Path | None = None) -> Iterator[int]:
    """A gunicorn on a free loopback port, with this process's environment and ``config`` (whose workers and
    bind these override); stopped on the way out."""
    port = free_port()
    command = [
        str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
        *(["--config", str(config)] if config else []),
        "grs.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    with log.open("wb") as out:
        # Its own session: Ctrl-C reaches only this script, which then stops gunicorn itself.
        process = subprocess.Popen(command, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                sys.exit(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"gunicorn did not listen within 30 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield port
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def check(filing: Filing, status: int, body: bytes) -> str:
    """Why a response is not the §7 answer to this filing, or ''."""
    if status != 201:
        return f"HTTP {status}: {body[:300].decode(errors='replace')}"
    try:
        answer = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:300]!r}"
    if (
        not re.fullmatch(r"[0-9]{10}", str(answer.get("tracking_number")))
        or answer.get("office") != filing.fields["office"]
    ):
        return f"unexpected body: {answer}"
    if (filing.kind == ANONYMOUS) != bool(answer.get("access_code")):
        return f"access code {'missing' if filing.kind == ANONYMOUS else 'issued'}: {answer}"
    return ""


def client_thread(port: int, jobs: "queue.SimpleQueue[Filing]", results: list, stop: threading.Event) -> None:
    """File until the queue is empty, on one connection (re-opened when the server closes it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        while not stop.is_set():
            try:
                filing = jobs.get_nowait()
            except queue.Empty:
                return
            body = json.dumps(filing.fields).encode()
            headers = {
                "Content-Type": "application/json",
                "Accept-Language": "bn",
                "Idempotency-Key": str(uuid.uuid4()),
            }
            start = time.perf_counter()
            try:
                connection.request("POST", URL, body=body, headers=headers)
                response = connection.getresponse()
                status, answer = response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                status, answer = 0, repr(exc).encode()
            elapsed = (time.perf_counter() - start) * 1000
            results.append(Result(filing.kind, status, elapsed, check(filing, status, answer)))
    finally:
        connection.close()


def fire(port: int, filings: list[Filing], concurrency: int) -> tuple[list[Result], float]:
    """All ``filings`` from ``concurrency`` threads; the results and the wall-clock seconds."""
    jobs: queue.SimpleQueue[Filing] = queue.SimpleQueue()
    for filing in filings:
        jobs.put(filing)
    results: list[Result] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=client_thread, args=(port, jobs, results, stop), daemon=True)
        for _i in range(concurrency)
    ]
    start = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)  # a timed join lets Ctrl-C through
    finally:
        stop.set()
    return results, time.perf_counter() - start


def percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def report_load(results: list[Result], seconds: float) -> float:
    """Print throughput, latency and errors; return filings per second."""
    created = [r for r in results if not r.problem]
    errors = [r for r in results if r.problem]
    rate = len(created) / seconds
    print(f"  {len(created)} filed in {seconds:.2f} s: {rate:.1f} grievances/s")
    rows = [("all", [r.ms for r in results])]
    rows += [(kind, [r.ms for r in results if r.kind == kind]) for kind in (CITIZEN_BD, ANONYMOUS, CITIZEN_ABROAD)]
    print(f"  {'latency ms':28} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for label, values in rows:
        if values:
            values.sort()
            p50, p95, p99 = (percentile(values, p) for p in (50, 95, 99))
            print(f"  {label:28} {len(values):5} {p50:8.1f} {p95:8.1f} {p99:8.1f} {values[-1]:8.1f}")
    print(f"  errors: {len(errors)}")
    for result in errors[:20]:
        print(f"    {result.kind}: {result.problem}")
    return rate


# --- The floor: the same rows with bare SQL ---------------------------------------------------------


@dataclass
class Rows:
    grievance_columns: list[str]
    event_columns: list[str]
    grievances: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)


def floor_rows(filings: list[Filing], taken: set[str]) -> Rows:
    """The grievances_grievance and grievances_grievanceevent values ``grievance_file`` writes for these
    filings (the event's grievance_id left out), with tracking numbers not in ``taken``."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _

    from charters.models import CharterService
    from grievances import tracking
    from grievances.models import Channel, EventKind, Grievance, GrievanceEvent
    from grievances.sla import deadline_for
    from grievances.workflow import Status
    from grs.phones import country_of, normalise_phone
    from offices.models import Office

    offices = {o.code: o for o in Office.objects.all()}
    services = {s.pk: s for s in CharterService.objects.select_related("category")}
    now = timezone.now()
    due = {
        (code, service.pk if service else None): deadline_for(office, start=now, service=service)
        for code, office in offices.items()
        for service in [None, *(s for s in services.values() if s.office_id == office.pk)]
    }
    # One real hash for every anonymous row: hashing is CPU in the web process, not database work.
    access_code_hash = make_password("ABCDE23456")
    g_fields = [f for f in Grievance._meta.concrete_fields if not f.primary_key]
    e_fields = [f for f in GrievanceEvent._meta.concrete_fields if not f.primary_key and f.name != "grievance"]
    rows = Rows([f.column for f in g_fields], [f.column for f in e_fields])
    with translation.override("bn"):
        for filing in filings:
            values = filing.fields
            office, service = offices[values["office"]], services.get(values.get("service"))
            phone = normalise_phone(values["complainant_phone"]) if values.get("complainant_phone") else ""
            number = tracking.generate()
            while number in taken:
                number = tracking.generate()
            taken.add(number)
            grievance = Grievance(
                tracking_number=number,
                type=values["type"],
                channel=Channel.MOBILE,
                status=Status.SUBMITTED,
                office=office,
                current_office=office,
                service=service,
                category=service.category if service else None,
                subject=values["subject"],
                description=values["description"],
                complainant_name=values.get("complainant_name", ""),
                complainant_phone=phone,
                complainant_address=values.get("complainant_address", ""),
                complainant_country=country_of(phone) if phone else "",
                access_code_hash="" if phone else access_code_hash,
                submitted_at=now,
                received_at=now,
                due_date=due[office.code, values.get("service")],
            )
            event = GrievanceEvent(
                kind=EventKind.SUBMITTED,
                at=now,
                status_after=Status.SUBMITTED,
                public_note=_("Received at %(office)s.") % {"office": office.name},
                data={"office": office.code, "channel": Channel.MOBILE, "attachments": 0},
            )
            rows.grievances.append(
                tuple(f.get_db_prep_save(getattr(grievance, f.attname), connection) for f in g_fields)
            )
            rows.events.append(tuple(f.get_db_prep_save(getattr(event, f.attname), connection) for f in e_fields))
    return rows


def insert_sql(table: str, columns: list[str], values: str):
    from psycopg2 import sql

    return sql.SQL("INSERT INTO {} ({}) VALUES {} RETURNING id").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(values)
    )


def floor_single(url: str, rows: Rows) -> float:
    """One transaction per filing, as the API commits: INSERT the grievance, then its event. Rows per second."""
    import psycopg2

    grievance_sql = insert_sql(
        "grievances_grievance", rows.grievance_columns, f"({', '.join(['%s'] * len(rows.grievance_columns))})"
    )
    event_sql = insert_sql(
        "grievances_grievanceevent",
        ["grievance_id", *rows.event_columns],
        f"({', '.join(['%s'] * (len(rows.event_columns) + 1))})",
    )
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            start = time.perf_counter()
            for grievance, event in zip(rows.grievances, rows.events, strict=True):
                cursor.execute(grievance_sql, grievance)
                cursor.execute(event_sql, (cursor.fetchone()[0], *event))
                connection.commit()
            return len(rows.grievances) / (time.perf_counter() - start)
    finally:
        connection.close()


def floor_batch(url: str, rows: Rows) -> float:
    """``execute_values`` in pages of 500, one transaction: what the database can take at best. Rows per second."""
    import psycopg2
    from psycopg2.extras import execute_values

    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            start = time.perf_counter()
            ids = execute_values(
                cursor,
                insert_sql("grievances_grievance", rows.grievance_columns, "%s"),
                rows.grievances,
                page_size=500,
                fetch=True,
            )
            execute_values(
                cursor,
                insert_sql("grievances_grievanceevent", ["grievance_id", *rows.event_columns], "%s"),
                [(pk, *event) for (pk,), event in zip(ids, rows.events, strict=True)],
                page_size=500,
            )
            connection.commit()
            return len(rows.grievances) / (time.perf_counter() - start)
    finally:
        connection.close()


# --- Putting it together ----------------------------------------------------------------------------


def redis_broker():
    """A client for Redis DB 13 when it answers and holds nothing (so flushing it loses nobody's data)."""
    try:
        import redis
    except ImportError:
        return None
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        if client.dbsize():
            print(f"{REDIS_URL} is not empty: leaving it alone and using a filesystem broker")
            return None
    except redis.RedisError:
        return None
    return client


@contextmanager
def scratch_environment(admin_url: str, scratch_db: str, tmp: tempfile.TemporaryDirectory):
    """Point Django at a new scratch database, and Celery at Redis DB 13 when it is free (else at no
    shared broker); on the way out drop the database, flush DB 13 and remove ``tmp``."""
    from bench.office_tree import scratch_postgres

    broker = redis_broker()
    if broker is not None:
        os.environ["CELERY_BROKER_URL"] = REDIS_URL
    else:
        # Never hand delivery hints for the scratch database to a broker a real worker reads.
        os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["DATABASE_URL"], drop = scratch_postgres(admin_url, scratch_db)
    try:
        yield broker
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop()
        if broker is not None:
            broker.flushdb()
        tmp.cleanup()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def run(args: argparse.Namespace, tmp: Path, broker) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from grievances.models import Grievance
    from notifications.models import Outbox

    call_command("migrate", verbosity=0)
    offices = build_offices()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"{cpu_model()}, {os.cpu_count()} cores; PostgreSQL {version}; Python {sys.version.split()[0]}")
    print(f"database {connection.settings_dict['NAME']}; broker {os.environ.get('CELERY_BROKER_URL', 'filesystem://')}")
    print(f"{len(offices)} district offices, {sum(map(len, offices.values()))} charter services")

    count_queries(offices)

    rng = random.Random(1971)
    warmup = make_filings(args.concurrency * 2, offices, rng)
    filings = make_filings(args.requests, offices, rng)
    mix = Counter(f.kind for f in filings)
    before = Grievance.objects.count()
    outbox_before = Outbox.objects.count()
    connections.close_all()  # gunicorn's workers and this process should not share a stale connection
    print(
        f"\nload: {args.requests} filings ({', '.join(f'{n} {kind}' for kind, n in mix.items())}) from "
        f"{args.concurrency} client threads, gunicorn with {args.workers} sync workers"
    )
    with gunicorn(args.workers, tmp / "gunicorn.log") as port:
        warm, _seconds = fire(port, warmup, args.concurrency)
        if any(r.problem for r in warm):
            print(f"  warm-up failed: {next(r.problem for r in warm if r.problem)}")
        results, seconds = fire(port, filings, args.concurrency)
    rate = report_load(results, seconds)
    errors = sum(1 for r in results if r.problem) + sum(1 for r in warm if r.problem)
    if errors:
        print(f"  gunicorn log (tail):\n{(tmp / 'gunicorn.log').read_text()[-3000:]}")
    filed = Grievance.objects.count() - before
    texts = Outbox.objects.count() - outbox_before
    print(f"  stored: {filed} grievances (warm-up included), {texts} receipt SMS in the outbox", end="")
    if broker is not None:
        print(f", {broker.llen('celery')} delivery hints queued in Redis DB 13 (no worker)")
    else:
        print()

    print(
        f"\nfloor: the same {args.requests} grievances + {args.requests} timeline events with bare SQL, one connection"
    )
    taken = set(Grievance.objects.values_list("tracking_number", flat=True))
    url = os.environ["DATABASE_URL"]
    single = floor_single(url, floor_rows(filings, taken))
    batch = floor_batch(url, floor_rows(filings, taken))
    print(f"  {'':44} {'filings/s':>10} {'API / floor':>12}")
    print(f"  {'API (gunicorn, above)':44} {rate:10.1f} {'':>12}")
    print(f"  {'single-row INSERTs, a transaction each':44} {single:10.1f} {rate / single:11.3f}x")
    print(f"  {'execute_values, pages of 500, one transaction':44} {batch:10.1f} {rate / batch:11.3f}x")
    return 1 if errors else 0


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(BASE_DIR))
    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    if not admin_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/filing.py needs PostgreSQL: set DATABASE_URL to a postgres:// admin connection")
    tmp = tempfile.TemporaryDirectory(prefix="grs-bench-filing-")
    tmp_path = Path(tmp.name)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="grs.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        RATELIMIT_ENABLE="false",
        SMS_BACKEND="file",
        SMS_FILE_PATH=str(tmp_path / "sms.jsonl"),
        GRS_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="WARNING",
    )
    status = 1
    with scratch_environment(admin_url, args.scratch_db, tmp) as broker:
        try:
            status = run(args, tmp_path, broker)
        except KeyboardInterrupt:
            print("\ninterrupted: stopping gunicorn, dropping the scratch database", file=sys.stderr)
            status = 130
    sys.exit(status)


if __name__ == "__main__":
    main()
