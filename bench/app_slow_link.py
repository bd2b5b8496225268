"""Citizens' app on a slow link: the app (/app/) against the classic filing form, in Chromium as a phone on Slow 3G.

    .venv/bin/python bench/app_slow_link.py [--repeat 3] [--workers 4]

It never touches your data: it migrates a scratch SQLite database in a temporary directory, seeds the demo
offices into it (``seed_demo``) and serves it with gunicorn on a free loopback port (``RATELIMIT_ENABLE=false``,
SMS and e-mail into files, delivery hints to a filesystem broker in the same directory, ``DATABASE_URL``,
``CELERY_BROKER_URL``, ``CACHE_URL`` and ``MEDIA_STORAGE`` of your shell ignored); all of it is removed at the
end, also on Ctrl-C or an error. The system Chromium (``--chromium``, default ``$GRS_CHROMIUM`` or
``/usr/bin/chromium``) is driven through Playwright as a small Android phone (360 x 740, touch, in English),
a fresh profile for each run, on Chrome DevTools' "Slow 3G" (400 ms, 500 kbit/s each way) emulated for the
page and for the app's service worker alike. Each of ``--repeat`` runs:

1. opens /app/ with an empty profile: until the filing form is usable (DOMContentLoaded: the page, its style
   sheets and deferred scripts) and until the service worker controls the page;
2. opens /app/ again in the same profile (the page from the network, the rest from the service worker's copy);
3. opens it again offline;
4. opens the classic filing form /grievances/new/?office=<Ulipur's social services office> with an empty
   profile, and files there with one 12-megapixel camera photo (uploaded as chosen);
5. files the same grievance through the app with a fresh profile (the photo made small on the phone first).

Bytes are counted on the wire, by a relay between Chromium and gunicorn: everything the page and its service
worker sent and received, HTTP headers included. Text answers are gzipped on the way, as nginx
(deploy/nginx/grs.conf) does in production. It prints the median of each figure, every run's value, and the
classic form against the app.
"""

import argparse
import contextlib
import json
import os
import platform
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from django.middleware.gzip import GZipMiddleware

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CHROMIUM = os.environ.get("GRS_CHROMIUM", "/usr/bin/chromium")
# As tests/browser/conftest.py launches it: no sandbox (containers), no GPU, nothing fetched on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PHOTO_SIDE = (4000, 3000)
SUBJECT = "Old age allowance not paid since March"
DESCRIPTION = "My mother's allowance has not come for three months. The union office sends us to the upazila."
NAME = "Amena Begum"
PHONE = "01712345678"
# What nginx compresses (deploy/nginx/grs.conf: text/html always, plus its gzip_types), and the script and
# manifest types WhiteNoise serves, which production sends precompressed after `collectstatic`.
COMPRESSED_TYPES = {
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
    "text/plain",
}
# The environment of your shell that could point the scratch server at real data or real deliveries.
FOREIGN_SETTINGS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "MEDIA_STORAGE",
    "STATIC_ROOT",
    "GRS_HTTPS",
    "GRS_PROXY_COUNT",
    "GRS_CSP",
    "GRS_CSP_REPORT_ONLY",
    "CELERY_TASK_ALWAYS_EAGER",
    "OIDC_RP_CLIENT_ID",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of every step, each with new profiles (default 3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--latency", type=int, default=400, help="emulated latency in ms (default 400)")
    parser.add_argument("--kbps", type=int, default=500, help="emulated throughput each way, kbit/s (default 500)")
    parser.add_argument(
        "--cpu-slowdown", type=float, default=1, help="Chromium's CPU throttling of the page, e.g. 4 (default 1: none)"
    )
    parser.add_argument("--chromium", default=DEFAULT_CHROMIUM, help=f"the browser (default {DEFAULT_CHROMIUM})")
    args = parser.parse_args()
    if not 1 <= args.repeat <= 50 or not 1 <= args.workers <= 32 or args.latency < 0 or args.kbps < 1:
        parser.error("--repeat must be 1..50, --workers 1..32, --latency >= 0 and --kbps >= 1")
    if args.cpu_slowdown < 1:
        parser.error("--cpu-slowdown must be at least 1")
    if not Path(args.chromium).exists():
        sys.exit(f"no Chromium at {args.chromium}: install the system package or pass --chromium (never a download)")
    return args


# --- The server side ----------------------------------------------------------------------------------


class CompressLikeNginx(GZipMiddleware):
    """gzip for the text types nginx compresses in production; the scratch server has no nginx in front."""

    max_random_bytes = 0  # Django pads against BREACH; nginx does not

    def process_response(self, request, response):
        if response.get("Content-Type", "").split(";")[0].strip() not in COMPRESSED_TYPES:
            return response
        return super().process_response(request, response)


SETTINGS_MODULE = """\
from grs.settings import *  # noqa: F403
from grs.settings import MIDDLEWARE

MIDDLEWARE = ["bench.app_slow_link.CompressLikeNginx", *MIDDLEWARE]
"""


def scratch_environment(tmp: Path, workers: int) -> None:
    """Point this process and the servers it starts at the scratch directory, and nothing else."""
    for name in FOREIGN_SETTINGS:
        os.environ.pop(name, None)
    (tmp / "bench_app_settings.py").write_text(SETTINGS_MODULE)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench_app_settings",
        PYTHONPATH=os.pathsep.join([str(tmp), str(BASE_DIR)]),
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on loopback: a Secure cookie (the classic form's CSRF cookie) would not come back.
        SECURE_COOKIES="false",
        RATELIMIT_ENABLE="false",
        SMS_BACKEND="file",
        SMS_FILE_PATH=str(tmp / "sms.jsonl"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp / "mail"),
        GRS_VAR_DIR=str(tmp / "var"),
        MEDIA_ROOT=str(tmp / "var" / "media"),
        LOG_LEVEL="WARNING",
        # No nginx reads the slow uploads first here, so a sync worker waits for the whole body itself.
        GRS_WEB_TIMEOUT="600",
        GRS_ACCESS_LOG="false",
        WEB_CONCURRENCY=str(workers),
    )


def manage(*command: str, log: Path) -> float:
    """``manage.py command`` on the scratch database; seconds it took."""
    started = time.perf_counter()
    with log.open("ab") as out:
        done = subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), *command], cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT
        )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(command)} failed:\n{log.read_text()[-3000:]}")
    return time.perf_counter() - started


def ulipur_office(port: int) -> tuple[str, str]:
    """The code and English name of the upazila social services office at Ulipur (under DSS-KURIGRAM)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/offices/?search=Ulipur", timeout=30) as answer:
        offices = json.load(answer)["results"]
    for office in offices:
        if office["parent"] == "DSS-KURIGRAM" and "Social Services" in office["name_en"]:
            return office["code"], office["name_en"]
    sys.exit(f"no social services office at Ulipur in the demo data: {[o['code'] for o in offices]}")


def warm_up(port: int, workers: int, office: str) -> None:
    """Every page and script the runs ask for, a few times over: each gunicorn worker builds its URL resolver
    and compiles its templates on its first requests, which no citizen of a running server waits for."""
    paths = ["/app/", "/app/sw.js", "/app/manifest.webmanifest", f"/grievances/new/?office={office}"]
    for _round in range(3 * workers):
        for path in paths:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
                answer.read()


class Wire:
    """A TCP relay between Chromium and gunicorn that counts the bytes crossing it each way: what went over
    the phone's link, whoever asked for it (the page, its service worker, the browser itself)."""

    def __init__(self, upstream: int):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.received = 0  # by the phone, from the server
        self.sent = 0  # by the phone, to the server
        self.last = time.monotonic()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
            server.settimeout(None)
        except OSError:
            client.close()
            return
        up = threading.Thread(target=self._pump, args=(client, server, "sent"), daemon=True)
        up.start()
        self._pump(server, client, "received")
        up.join()
        client.close()
        server.close()

    def _pump(self, source: socket.socket, target: socket.socket, counter: str) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
                with self.lock:
                    setattr(self, counter, getattr(self, counter) + len(chunk))
                    self.last = time.monotonic()
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)

    def counts(self) -> tuple[int, int]:
        """Bytes received and sent by the phone so far."""
        with self.lock:
            return self.received, self.sent

    @contextlib.contextmanager
    def traffic(self, figures: "Figures", step: str):
        """Adds ``step``.received and ``step``.sent: the bytes the block's work moved, once the link is quiet."""
        received, sent = self.counts()
        yield
        self.settle()
        now_received, now_sent = self.counts()
        figures.add(f"{step}.received", now_received - received)
        figures.add(f"{step}.sent", now_sent - sent)

    def settle(self, quiet: float = 1.5, limit: float = 120) -> None:
        """Wait until nothing crossed for ``quiet`` seconds (more than a round trip of the emulated link)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self.lock:
                idle = time.monotonic() - self.last
            if idle >= quiet:
                return
            time.sleep(quiet - idle)

    def close(self) -> None:
        self.listener.close()


def stored_attachment(database: Path) -> tuple[int, str, int]:
    """The newest grievance's first attachment's size as stored, its channel and how many attachments it has."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20)
    try:
        row = connection.execute(
            "SELECT g.channel, COUNT(a.id), MIN(a.size) FROM grievances_grievance g "
            "LEFT JOIN grievances_attachment a ON a.grievance_id = g.id "
            "GROUP BY g.id ORDER BY g.id DESC LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    if row is None:
        return 0, "", 0
    channel, count, size = row
    return size or 0, channel, count


# --- The phone ----------------------------------------------------------------------------------------

# When the service worker took control, on the page's clock (navigation start = 0). Playwright's init scripts
# run before the page's own and are not subject to its Content Security Policy.
MARKS = """
window.__grsBench = { controlled: navigator.serviceWorker && navigator.serviceWorker.controller ? 0 : null };
if (navigator.serviceWorker) {
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (window.__grsBench.controlled === null) window.__grsBench.controlled = performance.now();
  });
}
"""
CONTROLLED = """(limit) => new Promise((resolve) => {
  const done = () => resolve(window.__grsBench.controlled);
  if (navigator.serviceWorker.controller) return done();
  navigator.serviceWorker.addEventListener("controllerchange", () => setTimeout(done, 0));
  setTimeout(() => resolve(null), limit);
})"""
DOM_READY = "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"


class Phone:
    """A cheap Android phone's browser with an empty profile and one tab, on the emulated link.

    The link is emulated through CDP for the page and, through the page's auto-attach, for every service
    worker it starts: Chromium applies a client's network conditions only to the target they were sent to,
    so without this the service worker would fetch at loopback speed."""

    def __init__(self, browser, base: str, link: dict, cpu_slowdown: float, timeout_ms: int):
        major = browser.version.split(".")[0]
        self.context = browser.new_context(
            base_url=base,
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            user_agent=f"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{major}.0.0.0 Mobile Safari/537.36",
        )
        self.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
        self.context.add_init_script(MARKS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(timeout_ms)
        self.link = link
        self.workers: list[str] = []
        self.acknowledged: set[int] = set()
        self._ids = iter(range(1_000_000, 2_000_000))
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.on("Target.attachedToTarget", self._attached)
        self.cdp.on("Target.receivedMessageFromTarget", self._answered)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.emulateNetworkConditions", link)
        if cpu_slowdown > 1:
            self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
        # Every worker the page starts waits for us first, so its very first fetch is already on the slow link.
        self.cdp.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False})
        self.requests: list = []
        self.context.on("request", lambda request: self.requests.append(request))

    def _to(self, session: str, method: str, params: dict | None = None) -> int:
        message_id = next(self._ids)
        message = {"id": message_id, "method": method, "params": params or {}}
        self.cdp.send("Target.sendMessageToTarget", {"sessionId": session, "message": json.dumps(message)})
        return message_id

    def _attached(self, event: dict) -> None:
        session = event["sessionId"]
        if event["targetInfo"]["type"] == "service_worker":
            self.workers.append(session)
            self._to(session, "Network.emulateNetworkConditions", self.link)
        if event.get("waitingForDebugger"):
            self._to(session, "Runtime.runIfWaitingForDebugger")

    def _answered(self, event: dict) -> None:
        answer = json.loads(event["message"])
        if "id" in answer and "error" not in answer:
            self.acknowledged.add(answer["id"])

    def offline(self) -> None:
        """Drop the link for the page and its service worker, as the browser tests do."""
        self.link = {**self.link, "offline": True}
        self.cdp.send("Network.emulateNetworkConditions", self.link)
        for session in self.workers:
            self._to(session, "Network.emulateNetworkConditions", self.link)
        self.context.set_offline(True)

    def open(self, path: str) -> float:
        """Navigate to ``path``; seconds from the navigation's start until DOMContentLoaded on the page's clock:
        the page, its style sheets and its deferred scripts are in, so the form works."""
        self.page.goto(path, wait_until="domcontentloaded")
        return self.page.evaluate(DOM_READY) / 1000

    def controlled(self, limit_ms: int) -> float | None:
        """Seconds from the navigation's start until a service worker controlled the page."""
        at = self.page.evaluate(CONTROLLED, limit_ms)
        return None if at is None else at / 1000

    def posted(self, path: str):
        return next((r for r in reversed(self.requests) if r.method == "POST" and r.url.endswith(path)), None)

    def close(self) -> None:
        self.context.close()


def camera_photo(path: Path) -> int:
    """A 12-megapixel photo as a phone's camera takes it: 4000 x 3000, gradients and shapes, a few megabytes."""
    from PIL import Image, ImageDraw

    width, height = PHOTO_SIDE
    image = Image.new("RGB", PHOTO_SIDE)
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 4):
        draw.line([(0, y), (width, y)], fill=(y % 256, (y * 3) % 256, 120))
    for x in range(0, width, 250):
        draw.rectangle([x, 1000, x + 120, 2000], fill=(250, 250, 250))
    for n in range(12):
        draw.ellipse([300 * n, 200 + 40 * n, 300 * n + 260, 460 + 40 * n], outline=(20, 20, 20), width=9)
    image.save(path, format="JPEG", quality=95)
    return path.stat().st_size


# --- The runs -----------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Every run's value of each figure, by name."""

    runs: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float | None) -> None:
        if value is not None:
            self.runs.setdefault(name, []).append(value)

    def median(self, name: str) -> float | None:
        values = self.runs.get(name)
        return median(values) if values else None


def app_open(browser, base: str, link: dict, wire: Wire, args, figures: Figures, timeout_ms: int) -> None:
    """Steps 1-3: first open with an empty profile, reopen, reopen offline."""
    phone = Phone(browser, base, link, args.cpu_slowdown, timeout_ms)
    try:
        with wire.traffic(figures, "first"):
            ready = phone.open("/app/")
            phone.page.get_by_role("heading", name="File a grievance").wait_for()
            controlled = phone.controlled(timeout_ms)
            if controlled is None:
                sys.exit("the service worker never took control of /app/: see the gunicorn log")
        figures.add("first.ready", ready)
        figures.add("first.controlled", controlled)
        if not phone.acknowledged:
            print("  warning: the service worker's link could not be slowed (no CDP answer from it)")

        for step, offline in (("again", False), ("offline", True)):
            if offline:
                phone.offline()
            with wire.traffic(figures, step):
                ready = phone.open("/app/")
                phone.page.get_by_role("heading", name="File a grievance").wait_for()
                if phone.controlled(1000) is None:
                    sys.exit(f"/app/ ({step}) was not served by the service worker")
            figures.add(f"{step}.ready", ready)
    finally:
        phone.close()


def app_file(
    browser, base: str, link: dict, wire: Wire, args, figures: Figures, office: tuple[str, str], photo: Path, db: Path
) -> None:
    """Step 5: file through the app with the photo, from a fresh profile with the app opened once."""
    code, name = office
    phone = Phone(browser, base, link, args.cpu_slowdown, 600_000)
    page = phone.page
    try:
        phone.open("/app/")
        if phone.controlled(120_000) is None:
            sys.exit("the service worker never took control of /app/")
        page.locator("#office-search").fill(code)
        page.get_by_role("button", name="Search", exact=True).click()
        page.get_by_label(f"{name} ({code})").check()
        page.get_by_label("Subject").fill(SUBJECT)
        page.get_by_label("What happened").fill(DESCRIPTION)
        started = time.perf_counter()
        page.get_by_label("Photos (optional)").set_input_files(str(photo))
        page.locator("#photo-list li").wait_for()
        figures.add("app.photo", time.perf_counter() - started)
        page.get_by_label("Your name").fill(NAME)
        page.get_by_label("Mobile phone", exact=True).fill(PHONE)
        wire.settle()
        with wire.traffic(figures, "app"):
            started = time.perf_counter()
            page.get_by_role("button", name="Send the grievance").click()
            page.locator(".draft.sent").wait_for()
            figures.add("app.time", time.perf_counter() - started)
        post = phone.posted("/api/v1/grievances/")
        length = post and post.header_value("content-length")
        figures.add("app.body", int(length) if length else None)
        size, channel, count = stored_attachment(db)
        if (channel, count) != ("mobile", 1):
            sys.exit(f"the app's filing was stored as {channel!r} with {count} attachments")
        figures.add("app.stored", size)
    finally:
        phone.close()


def classic_file(
    browser, base: str, link: dict, wire: Wire, args, figures: Figures, office: tuple[str, str], photo: Path, db: Path
) -> None:
    """Step 4: the classic filing form opened with an empty profile, then a filing with the photo as chosen."""
    code, _name = office
    phone = Phone(browser, base, link, args.cpu_slowdown, 600_000)
    page = phone.page
    try:
        with wire.traffic(figures, "classic"):
            ready = phone.open(f"/grievances/new/?office={code}")
            page.get_by_role("heading", name="File a grievance").wait_for()
        figures.add("classic.ready", ready)

        page.get_by_label("Subject").fill(SUBJECT)
        page.get_by_label("What happened").fill(DESCRIPTION)
        page.get_by_label("Evidence (optional)").set_input_files(str(photo))
        page.get_by_label("Your name").fill(NAME)
        page.get_by_label("Mobile phone", exact=True).fill(PHONE)
        wire.settle()
        with wire.traffic(figures, "classic_file"):
            started = time.perf_counter()
            page.get_by_role("button", name="Submit the grievance").click()
            page.get_by_role("heading", name="Your grievance is filed").wait_for()
            figures.add("classic_file.time", time.perf_counter() - started)
        post = phone.posted(f"/grievances/new/?office={code}")
        length = post and post.header_value("content-length")
        figures.add("classic_file.body", int(length) if length else None)
        size, channel, count = stored_attachment(db)
        if (channel, count) != ("web", 1):
            sys.exit(f"the classic form's filing was stored as {channel!r} with {count} attachments")
        figures.add("classic_file.stored", size)
    finally:
        phone.close()


# --- Printing -----------------------------------------------------------------------------------------


def kb(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1024:,.1f}"


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def runs(figures: Figures, name: str, show) -> str:
    return ", ".join(show(v) for v in figures.runs.get(name, [])) or "n/a"


def report(figures: Figures, photo_bytes: int) -> None:
    f = figures
    print(f"\nmedians of {len(f.runs.get('first.ready', []))} runs (every run's value in brackets); KB = 1,024 bytes")
    print("bytes counted on the wire at the relay: HTTP headers and bodies, of the page and its service worker")
    print("\n| step | form usable, s | service worker in control, s | received KB | sent KB |")
    print("| --- | --- | --- | --- | --- |")
    rows = [
        ("1. app, first open (empty profile)", "first", None),
        ("2. app, reopened (service worker's copy)", "again", "already"),
        ("3. app, reopened offline", "offline", "already"),
        ("4. classic filing form, first open", "classic", "none"),
    ]
    for label, key, worker in rows:
        if worker is None:
            worker = f"{seconds(f.median(f'{key}.controlled'))} ({runs(f, f'{key}.controlled', seconds)})"
        print(
            f"| {label} | {seconds(f.median(f'{key}.ready'))} ({runs(f, f'{key}.ready', seconds)}) | {worker} "
            f"| {kb(f.median(f'{key}.received'))} ({runs(f, f'{key}.received', kb)}) "
            f"| {kb(f.median(f'{key}.sent'))} |"
        )

    print(f"\n5. filing with one {PHOTO_SIDE[0]} x {PHOTO_SIDE[1]} camera photo of {photo_bytes / 1024:,.0f} KB")
    print("\n| filing | submit to receipt, s | POST body KB | sent KB (wire) | received KB | photo stored KB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, key in (
        ("app (photo made small on the phone)", "app"),
        ("classic form (photo as chosen)", "classic_file"),
    ):
        print(
            f"| {label} | {seconds(f.median(f'{key}.time'))} ({runs(f, f'{key}.time', seconds)}) "
            f"| {kb(f.median(f'{key}.body'))} | {kb(f.median(f'{key}.sent'))} ({runs(f, f'{key}.sent', kb)}) "
            f"| {kb(f.median(f'{key}.received'))} | {kb(f.median(f'{key}.stored'))} |"
        )
    print(f"\nphoto made small on the phone (choosing it until it is listed): {seconds(f.median('app.photo'))} s")

    def ratio(a: str, b: str) -> str:
        top, bottom = f.median(a), f.median(b)
        return "n/a" if not top or not bottom else f"{top / bottom:.1f}x"

    print(
        f"classic / app: time {ratio('classic_file.time', 'app.time')}, "
        f"POST body {ratio('classic_file.body', 'app.body')}, sent on the wire {ratio('classic_file.sent', 'app.sent')}"
    )


def machine(browser) -> str:
    from bench.filing import cpu_model

    return (
        f"{cpu_model()}, {os.cpu_count()} cores; Linux {platform.release()}; Python {platform.python_version()}; "
        f"Chromium {browser.version}"
    )


def run(args: argparse.Namespace, tmp: Path) -> None:
    from playwright.sync_api import sync_playwright

    from bench.filing import gunicorn

    scratch_environment(tmp, args.workers)
    log = tmp / "manage.log"
    migrated = manage("migrate", "--no-input", log=log)
    seeded = manage("seed_demo", log=log)
    photo = tmp / "IMG_20261205_101500.jpg"
    photo_bytes = camera_photo(photo)
    database = tmp / "var" / "grs.sqlite3"
    link = {
        "offline": False,
        "latency": args.latency,
        "downloadThroughput": args.kbps * 1024 / 8,
        "uploadThroughput": args.kbps * 1024 / 8,
    }
    figures = Figures()
    with gunicorn(args.workers, tmp / "gunicorn.log", config=BASE_DIR / "deploy" / "gunicorn.conf.py") as port:
        office = ulipur_office(port)
        warm_up(port, args.workers, office[0])
        wire = Wire(port)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                print(machine(browser))
                print(
                    f"scratch SQLite in {tmp} (migrated in {migrated:.1f} s, demo data in {seeded:.1f} s); gunicorn, "
                    f"{args.workers} sync workers, behind a counting relay; office {office[0]}"
                )
                cpu = f", CPU slowed {args.cpu_slowdown:g}x" if args.cpu_slowdown > 1 else ""
                print(
                    f"phone: 360 x 740, touch, English; link {args.latency} ms, {args.kbps} kbit/s each way{cpu}; "
                    f"photo {PHOTO_SIDE[0]} x {PHOTO_SIDE[1]}, {photo_bytes / 1024:,.0f} KB"
                )
                base = f"http://127.0.0.1:{wire.port}"
                for n in range(1, args.repeat + 1):
                    started = time.perf_counter()
                    app_open(browser, base, link, wire, args, figures, 120_000)
                    classic_file(browser, base, link, wire, args, figures, office, photo, database)
                    app_file(browser, base, link, wire, args, figures, office, photo, database)
                    print(f"  run {n} of {args.repeat}: {time.perf_counter() - started:.0f} s")
                browser.close()
        finally:
            wire.close()
    report(figures, photo_bytes)


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(BASE_DIR))
    tmp = tempfile.TemporaryDirectory(prefix="grs-bench-app-")
    try:
        run(args, Path(tmp.name))
    except (Exception, SystemExit) as exc:
        if not (isinstance(exc, SystemExit) and exc.code in (None, 0)):
            log = Path(tmp.name) / "gunicorn.log"
            if log.exists():
                print(f"gunicorn log (tail):\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    except KeyboardInterrupt:
        print("\ninterrupted: stopping gunicorn, removing the scratch directory", file=sys.stderr)
        sys.exit(130)
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
