"""The load scenario: citizens file and follow grievances, GROs work their inboxes, ministries read dashboards.

Run by ``bench/load/run.py``, which prepares a database, starts gunicorn and a Celery worker and writes the
JSON file ``GRS_LOAD_DATA`` names: the offices citizens file at (with their charter services), the demo
accounts of the GROs and dashboard readers, and their password. Every request is named after what the
person does (``web: file``, ``api: track`` ...), so the statistics come out per request type.

The mix follows the pilot's expectations for a busy day: most traffic is citizens (a third of it filing,
the rest following what they filed, on the web pages and through the API the mobile app and UDC tablets
use); GROs open their inbox, read grievances and accept or resolve them; a few officials read dashboards.
"""

import json
import os
import random
import re
import uuid

from locust import FastHttpUser, between, events, task

DATA: dict = {}
# Every tracking number a citizen was given a receipt for; written to GRS_LOAD_RECEIPTS at the end, so the
# run can check that each is a stored grievance.
RECEIPTS: list[str] = []

SUBJECTS = [
    "তিন মাস ধরে বয়স্ক ভাতার টাকা পাইনি",
    "বিধবা ভাতার তালিকায় নাম ওঠেনি",
    "ভাতার টাকা অন্য মোবাইল নম্বরে চলে গেছে",
    "তালিকায় নাম তোলার জন্য টাকা চাওয়া হয়েছে",
    "ভিজিএফের চাল কম দেওয়া হয়েছে",
    "উপবৃত্তির টাকা আসেনি",
]
SENTENCES = [
    "আমি গত বছর উপজেলা সমাজসেবা অফিসে সব কাগজপত্র জমা দিয়েছি।",
    "ইউনিয়ন পরিষদের সদস্য বলেছেন তালিকা চূড়ান্ত হয়ে গেছে।",
    "আমার জাতীয় পরিচয়পত্রের নম্বর ঠিক আছে, তবুও টাকা আসছে না।",
    "মোবাইল ব্যাংকিং হিসাবে শেষ টাকা এসেছিল চার মাস আগে।",
    "দয়া করে বিষয়টি দেখে দ্রুত ব্যবস্থা নেবেন।",
]
NAMES = ["মোছাম্মৎ রহিমা বেগম", "মোঃ আব্দুল করিম", "সুফিয়া খাতুন", "আমেনা বিবি", "নিখিল চন্দ্র দাস"]

BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TRACKING = re.compile(r'class="number">([0-9০-৯-]{10,14})<')
ACCESS_CODE = re.compile(r'class="access-code".*?class="number">([^<]+)<', re.S)
INBOX_ROW = re.compile(r'href="/inbox/([0-9]{10})/"')
ACTION_FORM = re.compile(r'action="/inbox/([0-9]{10})/(accept|resolve)/".*?name="\2-version" value="([0-9]+)"', re.S)


@events.init.add_listener
def _load_data(environment, **_kwargs):
    path = os.environ.get("GRS_LOAD_DATA")
    if not path:
        raise SystemExit("GRS_LOAD_DATA must name the scenario's data file (bench/load/run.py writes it)")
    with open(path, encoding="utf-8") as handle:
        DATA.update(json.load(handle))


@events.quitting.add_listener
def _write_receipts(environment, **_kwargs):
    path = os.environ.get("GRS_LOAD_RECEIPTS")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(RECEIPTS))


def _csrf(body: str) -> str:
    match = CSRF.search(body)
    return match.group(1) if match else ""


def _phone() -> str:
    return "01" + random.choice("3456789") + "".join(random.choices("0123456789", k=8))


def _grievance(office: dict, *, anonymous: bool) -> dict:
    values = {
        "type": "anonymous" if anonymous else "citizen",
        "subject": random.choice(SUBJECTS),
        "description": " ".join(random.sample(SENTENCES, random.randint(2, 4))),
    }
    if office["services"] and random.random() < 0.6:
        values["service"] = random.choice(office["services"])
    if not anonymous:
        values.update(complainant_name=random.choice(NAMES), complainant_phone=_phone(), complainant_country="BD")
    return values


class _Person(FastHttpUser):
    """Someone with a language: most read Bangla. ``get`` and ``post`` send it, and a form's Referer."""

    abstract = True
    languages = ["bn"]

    def on_start(self):
        self.language = random.choice(self.languages)

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers={"Accept-Language": self.language}, **kwargs)

    def post(self, path: str, *, form_page: str = "", headers: dict | None = None, **kwargs):
        headers = {"Accept-Language": self.language, **(headers or {})}
        if form_page:
            headers["Referer"] = f"{self.host}{form_page}"
        return self.client.post(path, headers=headers, **kwargs)


class Citizen(_Person):
    """A citizen on a phone: files (on the web page or the app) and comes back to follow what was filed."""

    weight = 12
    wait_time = between(2, 6)
    languages = ["bn", "bn", "bn", "en"]

    def on_start(self):
        super().on_start()
        # (tracking number, phone or access code) of what this citizen filed.
        self.filed: list[tuple[str, str]] = []

    @task(3)
    def file_on_the_web(self):
        office = random.choice(DATA["offices"])
        anonymous = random.random() < 0.2
        with self.get(f"/grievances/new/?office={office['code']}", name="web: filing form") as page:
            token = _csrf(page.text or "")
        values = _grievance(office, anonymous=anonymous)
        values.update(csrfmiddlewaretoken=token, idempotency_key=str(uuid.uuid4()))
        with self.post(
            f"/grievances/new/?office={office['code']}",
            data=values,
            form_page=f"/grievances/new/?office={office['code']}",
            name="web: file (and receipt)",
            catch_response=True,
        ) as answer:
            number = TRACKING.search(answer.text or "")
            if answer.status_code != 200 or number is None:
                answer.failure(f"no receipt: HTTP {answer.status_code}")
                return
            secret = values.get("complainant_phone", "")
            if anonymous:
                code = ACCESS_CODE.search(answer.text)
                if code is None:
                    answer.failure("anonymous receipt without an access code")
                    return
                secret = code.group(1).translate(BANGLA_DIGITS).strip()
            self._keep(number.group(1).translate(BANGLA_DIGITS).replace("-", ""), secret)

    @task(1)
    def file_with_the_app(self):
        office = random.choice(DATA["offices"])
        values = _grievance(office, anonymous=False)
        values["office"] = office["code"]
        with self.post(
            "/api/v1/grievances/",
            json=values,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            name="api: file",
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"HTTP {answer.status_code}: {(answer.text or '')[:200]}")
                return
            self._keep(answer.json()["tracking_number"], values["complainant_phone"])

    def _keep(self, number: str, secret: str) -> None:
        RECEIPTS.append(number)
        self.filed.append((number, secret))

    @task(4)
    def track_on_the_web(self):
        if not self.filed:
            return
        number, secret = random.choice(self.filed)
        with self.get("/track/", name="web: tracking form") as page:
            token = _csrf(page.text or "")
        with self.post(
            "/track/",
            data={"csrfmiddlewaretoken": token, "tracking_number": number, "secret": secret},
            form_page="/track/",
            name="web: track",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200 or 'class="timeline' not in (answer.text or ""):
                answer.failure(f"no timeline: HTTP {answer.status_code}")

    @task(3)
    def track_with_the_app(self):
        if not self.filed:
            return
        number, secret = random.choice(self.filed)
        key = "code" if "-" in secret or not secret.startswith("01") else "phone"
        with self.get(f"/api/v1/track/{number}/?{key}={secret}", name="api: track", catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")


class _Official(_Person):
    abstract = True
    accounts_key = ""

    def on_start(self):
        super().on_start()
        account = random.choice(DATA[self.accounts_key])
        with self.get("/accounts/login/", name="web: sign-in form") as page:
            token = _csrf(page.text or "")
        with self.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": account["username"], "password": DATA["password"]},
            form_page="/accounts/login/",
            name="web: sign in",
            catch_response=True,
        ) as answer:
            if "/accounts/login/" in (answer.url or ""):
                answer.failure(f"sign-in refused for {account['username']}")


class Gro(_Official):
    """A Grievance Redress Officer: the inbox, a grievance's page, and accepting or resolving it."""

    weight = 3
    wait_time = between(3, 8)
    accounts_key = "gros"

    def on_start(self):
        super().on_start()
        self.numbers: list[str] = []
        self.inbox()  # where signing in lands an officer

    @task(4)
    def inbox(self):
        query = random.choice(["", "", "?status=submitted", "?status=accepted", "?overdue=true"])
        with self.get(f"/inbox/{query}", name="web: inbox") as page:
            numbers = INBOX_ROW.findall(page.text or "")
        if numbers:
            self.numbers = numbers

    @task(4)
    def grievance_page(self):
        if self.numbers:
            self._open(random.choice(self.numbers))

    @task(2)
    def act(self):
        """Accept a new grievance or resolve an accepted one, as the page offers."""
        if not self.numbers:
            return
        number = random.choice(self.numbers)
        body = self._open(number)
        match = ACTION_FORM.search(body)
        if match is None:
            return
        token = _csrf(body)
        _number, action, version = match.groups()
        data = {"csrfmiddlewaretoken": token, f"{action}-version": version}
        if action == "resolve":
            data["resolve-resolution"] = "ভাতার টাকা ছাড় করা হয়েছে; অভিযোগকারীকে জানানো হয়েছে।"
        with self.post(
            f"/inbox/{number}/{action}/",
            data=data,
            form_page=f"/inbox/{number}/",
            name=f"web: {action}",
            catch_response=True,
        ) as answer:
            # 409: a colleague acted on the same grievance first; the page says so. Not a failure.
            if answer.status_code == 409:
                answer.success()
            elif answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")

    def _open(self, number: str) -> str:
        with self.get(f"/inbox/{number}/", name="web: grievance page", catch_response=True) as page:
            if page.status_code == 404:
                page.success()  # forwarded away or settled by a colleague since the inbox was read
                return ""
            return page.text or ""


class DashboardReader(_Official):
    """A ministry or Cabinet Division official reading the dashboard, its tabs and the trends."""

    weight = 1
    wait_time = between(5, 12)
    accounts_key = "dashboards"

    @task(3)
    def dashboard(self):
        self.get("/dashboard/", name="web: dashboard")

    @task(2)
    def dashboard_tab(self):
        tab = random.choice(["citizen", "official", "anonymous"])
        self.get(f"/dashboard/?tab={tab}", name="web: dashboard tab")

    @task(1)
    def trends(self):
        self.get("/api/v1/dashboard/trends/", name="api: dashboard trends")
