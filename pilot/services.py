"""The pilot simulation: pick remote unions, file dummy grievances from them and play their lives forward
through the real grievance services over past months; and purge every simulated grievance again.

Every grievance made here is ``simulated``: the services keep its messages in the outbox as suppressed
(never sent) and the dashboards count it only under their pilot switch.
"""

import heapq
import logging
import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_forget
from charters.models import SOCIAL_PROTECTION, CharterService
from dashboards.tally import tallies_rebuild
from grievances import clock
from grievances.models import (
    AppealDecision,
    Attachment,
    Channel,
    Grievance,
    GrievanceEvent,
    GrievanceType,
    Severity,
)
from grievances.services import (
    grievance_accept,
    grievance_appeal,
    grievance_close_no_action,
    grievance_decide_appeal,
    grievance_feedback,
    grievance_file,
    grievance_forward,
    grievance_reject,
    grievance_resolve,
    grievance_sla_sweep,
)
from grievances.workflow import Status
from grs import errors
from notifications.models import Outbox
from offices.models import PATH_STEP, AdminUnit, Appointment, Holiday, Office, Rank, Role
from offices.services import appointment_create, gro_minimum_rank
from offices.workdays import add_working_days, is_weekend
from pilot import phrases
from pilot.models import PilotGrievance, PilotUnion, SimulatedOfficial, SimulationRun

logger = logging.getLogger(__name__)
User = get_user_model()

Level = AdminUnit.Level
Layer = Office.Layer

MAX_MONTHS = 24
MAX_PER_DAY = 5000
MAX_UNIONS = 50
# The Social Services directorate and the ministry most often chosen by mistake (DESIGN.md §7 codes).
SOCIAL_SERVICES = "DSS"
WRONG_MINISTRY = "MOFOOD"
# A grievance is forwarded at most this many times by the simulation: then its holder settles it.
MAX_FORWARDS = 3


class PilotInputError(errors.ValidationError):
    code = "pilot_invalid"


class SimulationFailed(errors.DomainError):
    code = "simulation_failed"
    http_status = 500


# --- Remote unions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickedUnion:
    union: AdminUnit
    district: AdminUnit
    rank: int
    distance_km: float | None


def _district(name: str) -> AdminUnit:
    text = name.strip()
    found = AdminUnit.objects.filter(Q(name_en__iexact=text) | Q(name_bn=text), level=Level.DISTRICT).first()
    if found is None:
        raise PilotInputError(
            _(
                "There is no district called “%(name)s”. "
                "Write a district's name as the geography lists it, e.g. Kurigram."
            )
            % {"name": text},
            field="district",
        )
    return found


def _point(unit: AdminUnit | None) -> tuple[float, float] | None:
    if unit is None or unit.latitude is None or unit.longitude is None:
        return None
    return float(unit.latitude), float(unit.longitude)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def pilot_unions_pick(*, districts: list[str], per_district: int) -> list[PickedUnion]:
    """Per district, the ``per_district`` unions farthest from its Sadar upazila: by the units' coordinates
    where the geography has them (the Sadar upazila's own, else its unions' centroid, else the district's),
    by name where it does not; the Sadar upazila's own unions come last. The same answer every time."""
    if not districts:
        raise PilotInputError(_("Name at least one district."), field="district")
    if not 1 <= per_district <= MAX_UNIONS:
        raise PilotInputError(
            _("The number of unions per district must be between 1 and %(max)d.") % {"max": MAX_UNIONS},
            field="unions_per_district",
        )
    picked: list[PickedUnion] = []
    seen: set[int] = set()
    for name in districts:
        district = _district(name)
        if district.pk in seen:
            continue
        seen.add(district.pk)
        upazilas = list(AdminUnit.objects.filter(parent=district, level=Level.UPAZILA).order_by("source_id"))
        unions = list(
            AdminUnit.objects.filter(parent__in=upazilas, level=Level.UNION).select_related("parent").order_by("pk")
        )
        if not unions:
            raise PilotInputError(
                _("The geography lists no unions in %(district)s.") % {"district": district.name_en},
                field="district",
            )
        sadar = next((u for u in upazilas if "sadar" in u.name_en.lower()), None)
        centre = _point(sadar)
        if centre is None and sadar is not None:
            points = [p for u in unions if u.parent_id == sadar.pk and (p := _point(u))]
            if points:
                centre = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
        centre = centre or _point(district)

        def distance(union: AdminUnit, centre=centre) -> float | None:
            where = _point(union) or _point(union.parent)
            return _km(centre, where) if centre and where else None

        ranked = sorted(
            ((union, distance(union)) for union in unions),
            key=lambda pair: (
                sadar is not None and pair[0].parent_id == sadar.pk,
                pair[1] is None,
                -(pair[1] or 0.0),
                pair[0].name_en,
                pair[0].source_id,
            ),
        )
        for rank, (union, km) in enumerate(ranked[:per_district], start=1):
            picked.append(PickedUnion(union=union, district=district, rank=rank, distance_km=km))
    return picked


# --- Who acts, where -----------------------------------------------------------------------------------


@dataclass
class _Serving:
    """The offices serving one union, and the way to the right one."""

    union: AdminUnit
    union_office: Office | None
    upazila_office: Office | None
    district_office: Office | None
    wrong: list[Office]
    right: Office  # where a Social Protection grievance of this union belongs
    chain: list[Office]  # the right office, then every office above it, nearest first


class _Cast:
    """The offices' current GROs, Appeal Officers and operators, read once."""

    def __init__(self) -> None:
        appointments = (
            Appointment.objects.current()
            .filter(user__is_active=True)
            .select_related("user", "office__admin_unit__parent__parent")
            .order_by("office_id", "role", "user_id")
        )
        self.gros: dict[int, list] = defaultdict(list)
        self.appeal_officers: dict[int, list] = defaultdict(list)
        self.udc: list[tuple[Appointment, int | None, int | None]] = []
        self.hotline: list = []
        self.employees: list = []
        for appointment in appointments:
            role, user = appointment.role, appointment.user
            if role == Role.GRO:
                self.gros[appointment.office_id].append(user)
            elif role == Role.APPEAL_OFFICER:
                self.appeal_officers[appointment.office_id].append(user)
            elif role == Role.UDC_OPERATOR:
                area = appointment.office.admin_unit
                self.udc.append((appointment, area.pk if area else None, _district_id(area)))
            elif role == Role.HOTLINE_AGENT:
                self.hotline.append(user)
            elif role == Role.EMPLOYEE and user.phone:
                self.employees.append(user)

    def gro(self, office_id: int, rng: random.Random):
        users = self.gros.get(office_id)
        return rng.choice(users) if users else None

    def udc_for(self, union: AdminUnit, rng: random.Random):
        """A UDC operator at the union, else one in its district; None when the district has none."""
        here = [a.user for a, area, _d in self.udc if area == union.pk]
        near = here or [a.user for a, _area, district in self.udc if district == union.parent.parent_id]
        return rng.choice(near) if near else None


def _district_id(area: AdminUnit | None) -> int | None:
    if area is None:
        return None
    if area.level == Level.DISTRICT:
        return area.pk
    if area.level == Level.UPAZILA:
        return area.parent_id
    if area.level == Level.UNION and area.parent is not None:
        return area.parent.parent_id
    return None


def _serving(picked: list[PickedUnion]) -> dict[int, _Serving]:
    """The offices serving each picked union; refuses a union no office serves (no demo data loaded)."""
    social = Office.objects.filter(code=SOCIAL_SERVICES).first()
    wrong_ministry = Office.objects.filter(code=WRONG_MINISTRY, active=True).first()
    areas = {p.union.pk for p in picked} | {p.union.parent_id for p in picked} | {p.district.pk for p in picked}
    offices = list(Office.objects.filter(admin_unit_id__in=areas, active=True).order_by("path"))
    out = {}
    for p in picked:
        union = p.union

        def at(area_id: int, *, social_only: bool = True) -> Office | None:
            for office in offices:
                if office.admin_unit_id == area_id and (
                    not social_only or (social is not None and office.path.startswith(social.path))
                ):
                    return office
            return None

        union_office = next((o for o in offices if o.admin_unit_id == union.pk and o.layer == Layer.UNION), None)
        upazila_office = at(union.parent_id)
        district_office = at(p.district.pk)
        right = upazila_office or district_office or union_office
        if right is None:
            raise PilotInputError(
                _(
                    "No office serves the union %(union)s (%(district)s). "
                    "Load the demo offices first: manage.py seed_demo."
                )
                % {"union": union.name_en, "district": p.district.name_en},
                field="district",
            )
        wrong = [o for o in (wrong_ministry,) if o is not None and not right.path.startswith(o.path[:PATH_STEP])]
        wrong += [
            o
            for o in offices
            if o.admin_unit_id == union.parent_id
            and o.layer == Layer.UPAZILA
            and wrong_ministry is not None
            and o.path.startswith(wrong_ministry.path[:PATH_STEP])
        ]
        chain = [right, *reversed(list(Office.objects.ancestors(right)))]
        out[union.pk] = _Serving(union, union_office, upazila_office, district_office, wrong, right, chain)
    return out


# --- Officials where none is appointed -----------------------------------------------------------------

# The simulated officials' ranks by the office's layer (codes of seed_demo's ranks); a layer's minimum GRO
# rank wins when it is higher, and an official without a rank is appointed where the database has none.
GRO_RANKS = {
    Layer.MINISTRY: "joint-secretary",
    Layer.DIRECTORATE: "director",
    Layer.DIVISIONAL: "deputy-director",
    Layer.DISTRICT: "deputy-director",
    Layer.UPAZILA: "upazila-officer",
    Layer.UNION: "union-secretary",
}
APPEAL_RANKS = {
    Layer.MINISTRY: "additional-secretary",
    Layer.DIRECTORATE: "director-general",
    Layer.DIVISIONAL: "director",
    Layer.DISTRICT: "director",
    Layer.UPAZILA: "deputy-director",
    Layer.UNION: "upazila-officer",
}
# role → (the username's word for it, the designation, the ranks by layer)
OFFICIAL_ROLES = {
    Role.GRO: ("gro", "Grievance Redress Officer (simulated)", GRO_RANKS),
    Role.APPEAL_OFFICER: ("appeal", "Appeal Officer (simulated)", APPEAL_RANKS),
}
SIMULATED_USERNAME = "sim-{role}-{office}"


def pilot_offices(serving: dict[int, _Serving]) -> list[Office]:
    """Every active office a pilot grievance can be filed at, forwarded to or appealed at: the offices serving
    the unions, the way to the right office, and every office above any of them (a GRO may forward a grievance
    up, and the office holding a grievance hears its appeal). In tree order."""
    offices: dict[int, Office] = {}
    for s in serving.values():
        for office in (s.union_office, s.upazila_office, s.district_office, *s.wrong, *s.chain):
            if office is not None:
                offices[office.pk] = office
    prefixes = {o.path[:end] for o in offices.values() for end in range(PATH_STEP, len(o.path), PATH_STEP)}
    for office in Office.objects.filter(path__in=sorted(prefixes)):
        offices[office.pk] = office
    return sorted((o for o in offices.values() if o.active), key=lambda o: o.path)


def _official_name(role: str, office: Office) -> str:
    """A Bangla name, the same for the same office and role in every run."""
    rng = random.Random(f"{role}:{office.code}")
    return f"{rng.choice(phrases.FIRST_NAMES)} {rng.choice(phrases.LAST_NAMES)}"


def _free_username(wanted: str) -> str:
    name, n = wanted, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{wanted}-{n}"
    return name


@transaction.atomic
def pilot_officials_ensure(
    *, offices: list[Office], start: date, run: SimulationRun | None = None
) -> list[Appointment]:
    """Appoint a simulated GRO and a simulated Appeal Officer, from ``start``, at each of ``offices`` that has
    no current one (an active user in the role), through the appointment service; the offices that have one
    keep theirs alone. The new users are recorded as :class:`SimulatedOfficial` for ``purge_simulated``.
    Returns the appointments made."""
    held = set(
        Appointment.objects.current()
        .filter(office__in=offices, role__in=list(OFFICIAL_ROLES), user__is_active=True)
        .values_list("office_id", "role")
    )
    codes = {code for _word, _designation, ranks in OFFICIAL_ROLES.values() for code in ranks.values()}
    ranks = {rank.code: rank for rank in Rank.objects.filter(code__in=sorted(codes))}
    made = []
    for office in offices:
        for role, (word, designation, by_layer) in OFFICIAL_ROLES.items():
            if (office.pk, role) in held:
                continue
            rank = ranks.get(by_layer.get(office.layer, ""))
            if role == Role.GRO:
                minimum = gro_minimum_rank(office)
                if minimum is not None and (rank is None or not rank.meets(minimum)):
                    rank = minimum
            user = User.objects.create_user(
                username=_free_username(SIMULATED_USERNAME.format(role=word, office=office.code.lower())),
                password=None,
                full_name=_official_name(role, office),
            )
            SimulatedOfficial.objects.create(user=user, run=run)
            made.append(
                appointment_create(
                    user=user, office=office, role=role, designation=designation, rank=rank, start_date=start
                )
            )
    return made


# --- Playing the lives forward -------------------------------------------------------------------------


@dataclass
class _Life:
    """What the simulation remembers of a grievance it filed: how to act as its complainant, its fate, and
    where and how it stands, as the last service that changed it answered (only the simulation changes it)."""

    grievance_id: int
    number: str
    phone: str
    code: str
    type: str
    serving: _Serving
    late: bool  # its GRO settles it after the deadline, and its Appeal Officer takes longer too
    neglected: bool  # nobody at the office it was filed at takes it up
    index: int = 0
    forwards: int = 0
    appealed: bool = False
    status: str = Status.SUBMITTED
    holder: int = 0  # the office holding it
    due_date: date | None = None


def _month_back(day: date, months: int) -> date:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _at(day: date, hour: float) -> datetime:
    minutes = int(hour * 60)
    moment = datetime.combine(day, time(minutes // 60, minutes % 60))
    return timezone.make_aware(moment, timezone.get_default_timezone())


# A tiny PDF: the scan of a paper form, attached to some paper filings.
_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

CHANNEL_WEIGHTS = (
    (Channel.UDC, 30),
    (Channel.HOTLINE, 15),
    (Channel.PAPER, 15),
    (Channel.WEB, 12),
    (Channel.MOBILE, 16),
    (Channel.SMS, 12),
)
TYPE_WEIGHTS = ((GrievanceType.CITIZEN, 75), (GrievanceType.ANONYMOUS, 15), (GrievanceType.OFFICIAL, 10))
RATINGS_IN_TIME = (3, 7, 15, 40, 35)
RATINGS_LATE = (25, 30, 25, 15, 5)
# Shares of the grievances whose GRO settles them after the deadline, and that nobody takes up at all.
LATE = 0.25
NEGLECTED = 0.05


def _pick(rng: random.Random, weighted):
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights)[0]


class _Simulation:
    def __init__(
        self,
        *,
        run: SimulationRun,
        serving: dict[int, _Serving],
        offices: list[Office],
        rng: random.Random,
        today: date,
    ):
        self.run, self.serving, self.rng, self.today = run, serving, rng, today
        self.cast = _Cast()
        # The offices on the pilot's way, read once: the tree does not change during a run.
        self.offices = {office.pk: office for office in offices}
        self.by_path = {office.path: office for office in offices}
        self.made: list[PilotGrievance] = []
        self.unions = list(serving.values())
        self.holidays = set(
            Holiday.objects.filter(date__gte=run.first_day, date__lte=today + timedelta(days=400)).values_list(
                "date", flat=True
            )
        )
        office_ids = {
            o.pk for s in self.unions for o in (s.union_office, s.upazila_office, s.district_office, *s.wrong) if o
        }
        self.services: dict[int, list[CharterService]] = defaultdict(list)
        for service in CharterService.objects.filter(office_id__in=office_ids, active=True).select_related("category"):
            self.services[service.office_id].append(service)
        self.queue: list[tuple[datetime, int, int, str]] = []
        self.lives: list[_Life] = []
        self.seq = 0
        self.skipped = 0

    def office(self, pk: int) -> Office:
        office = self.offices.get(pk)
        if office is None:  # not on the pilot's way (someone forwarded it meanwhile): read it once
            office = self.offices[pk] = Office.objects.get(pk=pk)
            self.by_path[office.path] = office
        return office

    def above(self, office: Office) -> list[Office]:
        """The active offices above ``office``, nearest first."""
        paths = (office.path[:end] for end in range(len(office.path) - PATH_STEP, 0, -PATH_STEP))
        return [found for path in paths if (found := self.by_path.get(path)) is not None]

    # -- time --

    def working(self, day: date) -> bool:
        return not is_weekend(day) and day not in self.holidays

    def office_hours(self, day: date) -> datetime:
        """A moment during office hours on ``day`` or the next working day."""
        while not self.working(day):
            day += timedelta(days=1)
        return _at(day, self.rng.uniform(9.5, 16.5))

    def after(self, start: date, low: int, high: int) -> datetime:
        return self.office_hours(add_working_days(start, self.rng.randint(low, high), holidays=self.holidays))

    def schedule(self, life: _Life, when: datetime, step: str) -> None:
        now = clock.now()
        if when <= now:  # later the same day: nothing happens before what caused it
            when = now + timedelta(minutes=self.rng.randint(5, 90))
        self.seq += 1
        heapq.heappush(self.queue, (when, self.seq, life.index, step))

    # -- filing --

    def file(self, when: datetime) -> None:
        rng = self.rng
        serving = rng.choice(self.unions)
        union = serving.union
        problem = _pick(rng, [(p, p.weight) for p in phrases.PROBLEMS])
        kind = _pick(rng, TYPE_WEIGHTS)
        if kind == GrievanceType.OFFICIAL and not self.cast.employees:
            kind = GrievanceType.CITIZEN
        channel = _pick(rng, CHANNEL_WEIGHTS)
        if kind == GrievanceType.OFFICIAL:
            channel = rng.choice((Channel.WEB, Channel.MOBILE))
        office = self.where_to_file(serving)
        actor = None
        if kind == GrievanceType.OFFICIAL:
            actor = rng.choice(self.cast.employees)
        elif channel == Channel.UDC:
            actor = self.cast.udc_for(union, rng)
        elif channel == Channel.HOTLINE:
            actor = rng.choice(self.cast.hotline) if self.cast.hotline else None
        elif channel == Channel.PAPER:
            actor = self.cast.gro(office.pk, rng) or self.cast.udc_for(union, rng)
            if actor is None and self.cast.hotline:
                actor = rng.choice(self.cast.hotline)
        if channel in (Channel.UDC, Channel.HOTLINE, Channel.PAPER) and actor is None:
            channel = rng.choice((Channel.WEB, Channel.MOBILE, Channel.SMS))
        services = [
            s
            for s in self.services.get(office.pk, [])
            if (s.category.slug == SOCIAL_PROTECTION) == problem.social_protection
        ]
        service = rng.choice(services) if services and rng.random() < 0.8 else None
        words = {
            "union": union.name_bn,
            "upazila": union.parent.name_bn,
            "village": rng.choice(phrases.VILLAGES),
            "programme": rng.choice(phrases.PROGRAMMES),
            "months": rng.choice(phrases.MONTHS),
            "amount": rng.choice(phrases.AMOUNTS),
        }
        subject = rng.choice(problem.subjects).format(**words)
        description = " ".join(
            part.format(**words)
            for part in (rng.choice(problem.openings), rng.choice(problem.details), rng.choice(phrases.CLOSINGS))
            if part
        )
        phone = ""
        name = ""
        if kind == GrievanceType.CITIZEN:
            name = f"{rng.choice(phrases.FIRST_NAMES)} {rng.choice(phrases.LAST_NAMES)}"
            if rng.random() < 0.8:
                phone = f"+8801{rng.choice('3456789')}{rng.randint(0, 99_999_999):08d}"
        attachments = []
        if channel == Channel.PAPER and rng.random() < 0.3:
            attachments = [SimpleUploadedFile("scan.pdf", _SCAN, content_type="application/pdf")]
        with clock.simulated_time(when):
            filed = grievance_file(
                type=kind,
                office=office,
                subject=subject,
                description=description,
                actor=actor,
                service=service,
                channel=channel,
                complainant_name=name,
                complainant_phone=phone,
                complainant_address=f"{words['village']}, {union.name_bn}, {union.parent.name_bn}" if name else "",
                attachments=attachments,
                simulated=True,
                language="bn",
            )
            grievance = filed.grievance
            self.made.append(PilotGrievance(grievance=grievance, run=self.run, union=union))
            life = _Life(
                grievance_id=grievance.pk,
                number=grievance.tracking_number,
                phone=grievance.complainant_phone,
                code=filed.access_code,
                type=grievance.type,
                serving=serving,
                late=rng.random() < LATE,
                neglected=rng.random() < NEGLECTED,
                index=len(self.lives),
            )
            self.lives.append(life)
            self.plan(life, grievance)

    def where_to_file(self, serving: _Serving) -> Office:
        choices = [
            (serving.union_office, 30),
            (serving.upazila_office, 30),
            (serving.district_office, 22),
            (self.rng.choice(serving.wrong) if serving.wrong else None, 18),
        ]
        choices = [(office, weight) for office, weight in choices if office is not None]
        return _pick(self.rng, choices)

    # -- what happens next --

    def plan(self, life: _Life, grievance: Grievance) -> None:
        """Note how ``grievance`` stands now that a service changed it, and schedule the next thing that happens
        to it."""
        life.status, life.holder, life.due_date = grievance.status, grievance.current_office_id, grievance.due_date
        rng, status, holder = self.rng, life.status, life.holder
        today = timezone.localdate(clock.now())
        handled = bool(self.cast.gros.get(holder)) and not life.neglected
        if status in (Status.SUBMITTED, Status.IN_PROGRESS) and not handled:
            # Nobody handles it here: it waits; some complainants appeal once its deadline has passed.
            if not life.appealed and rng.random() < 0.5:
                self.schedule(life, self.after(life.due_date, 1, 8), "appeal")
        elif status == Status.SUBMITTED:
            self.schedule(life, self.after(today, 2, 8) if life.late else self.after(today, 0, 3), "triage")
        elif status == Status.IN_PROGRESS:
            if life.late:
                self.schedule(life, self.after(life.due_date, 1, 12), "resolve")
            else:
                days_left = max(1, (life.due_date - today).days)
                self.schedule(life, self.office_hours(today + timedelta(days=rng.randint(1, days_left))), "resolve")
        elif status == Status.RESOLVED:
            roll = rng.random()
            if roll < 0.6:
                self.schedule(life, self.after(today, 0, 6), "feedback")
            elif roll < 0.6 + (0.25 if life.late else 0.08):
                self.schedule(life, self.after(today, 1, 10), "appeal")
        elif status == Status.REJECTED:
            if rng.random() < 0.4:
                self.schedule(life, self.after(today, 1, 10), "appeal")
        elif status == Status.APPEALED:
            if self.cast.appeal_officers.get(holder):
                self.schedule(life, self.after(today, 2, 25 if life.late else 15), "decide")
        elif status == Status.APPEAL_RESOLVED and rng.random() < 0.5:
            self.schedule(life, self.after(today, 0, 6), "feedback")

    def act(self, life: _Life, step: str, when: datetime) -> None:
        with clock.simulated_time(when):
            try:
                changed = getattr(self, f"_{step}")(life)
            except errors.DomainError as exc:
                # The real services refused (e.g. the holder's GRO changed): the grievance waits.
                self.skipped += 1
                logger.debug("simulated %s on %s refused: %s", step, life.number, exc)
                return
            if changed is not None:  # None: nobody could act, and the grievance waits where it is
                self.plan(life, changed)

    def _triage(self, life: _Life) -> Grievance | None:
        if life.status != Status.SUBMITTED:
            return None
        rng, serving, pk = self.rng, life.serving, life.grievance_id
        holder = self.office(life.holder)
        gro = self.cast.gro(holder.pk, rng)
        if gro is None:
            return None
        if not serving.right.path.startswith(holder.path[:PATH_STEP]):
            # Filed at the wrong ministry: across, to the nearest office on the right way that has a GRO.
            target = next((o for o in serving.chain if self.cast.gros.get(o.pk)), None)
            if target is None:
                return None
            return self.forward(life, gro, target, "across")
        roll = rng.random()
        if life.type == GrievanceType.ANONYMOUS and roll < 0.15:
            return grievance_close_no_action(
                grievance_id=pk, actor=gro, reason=phrases.NO_ACTION, severity=rng.choice(Severity.values)
            )
        if roll < 0.07:
            return grievance_reject(grievance_id=pk, actor=gro, reason=rng.choice(phrases.REJECTIONS))
        if life.forwards < MAX_FORWARDS and roll < 0.22:
            below = [
                o
                for o in (serving.union_office, *serving.chain)
                if o is not None and o.pk != holder.pk and o.path.startswith(holder.path) and self.cast.gros.get(o.pk)
            ]
            if below:
                return self.forward(life, gro, below[-1] if roll < 0.12 else below[0], "down")
        if life.forwards < MAX_FORWARDS and roll > 0.93:
            above = next((o for o in self.above(holder) if self.cast.gros.get(o.pk)), None)
            if above is not None:
                return self.forward(life, gro, above, "up")
        return grievance_accept(grievance_id=pk, actor=gro)

    def forward(self, life: _Life, gro, target: Office, why: str) -> Grievance:
        life.forwards += 1
        return grievance_forward(
            grievance_id=life.grievance_id, actor=gro, to_office=target, reason=phrases.FORWARD_REASONS[why]
        )

    def _resolve(self, life: _Life) -> Grievance | None:
        gro = self.cast.gro(life.holder, self.rng)
        if life.status != Status.IN_PROGRESS or gro is None:
            return None
        return grievance_resolve(
            grievance_id=life.grievance_id, actor=gro, resolution=self.rng.choice(phrases.RESOLUTIONS)
        )

    def _feedback(self, life: _Life) -> Grievance:
        weights = RATINGS_LATE if life.late else RATINGS_IN_TIME
        rating = self.rng.choices(range(1, 6), weights=weights)[0]
        return grievance_feedback(
            number=life.number,
            rating=rating,
            comment=self.rng.choice(phrases.FEEDBACK_COMMENTS),
            phone=life.phone,
            code=life.code,
        )

    def _appeal(self, life: _Life) -> Grievance:
        life.appealed = True
        return grievance_appeal(
            number=life.number, reason=self.rng.choice(phrases.APPEAL_REASONS), phone=life.phone, code=life.code
        )

    def _decide(self, life: _Life) -> Grievance | None:
        officers = self.cast.appeal_officers.get(life.holder)
        if life.status != Status.APPEALED or not officers:
            return None
        remedied = self.rng.random() < 0.4
        return grievance_decide_appeal(
            grievance_id=life.grievance_id,
            actor=self.rng.choice(officers),
            decision=AppealDecision.REMEDIED if remedied else AppealDecision.UPHELD,
            text=phrases.APPEAL_DECISIONS[int(remedied)],
        )

    # -- one day --

    def day(self, day: date, filings: int, on_filed: Callable[[], None], *, until: datetime) -> None:
        """File ``filings`` grievances during ``day`` and do what falls due that day, up to ``until`` (the
        real present, on the last day); then sweep for overdue grievances, in one transaction."""
        rng = self.rng
        start, last = _at(day, 8.0), min(_at(day, 21.0), until)
        if last <= start:
            start = _at(day, 0.0)
        span = (last - start).total_seconds()
        moments = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _i in range(filings))
        end = min(_at(day, 23.9), until)
        with transaction.atomic():
            for moment in moments:
                while self.queue and self.queue[0][0] <= moment:
                    self.pop()
                self.file(moment)
                on_filed()
            while self.queue and self.queue[0][0] <= end:
                self.pop()
            PilotGrievance.objects.bulk_create(self.made)
            self.made.clear()
            with clock.simulated_time(end):
                grievance_sla_sweep(now=end)

    def pop(self) -> None:
        when, _seq, index, step = heapq.heappop(self.queue)
        self.act(self.lives[index], step, when)


def _validate(*, months: int, per_day: int) -> None:
    if not 1 <= months <= MAX_MONTHS:
        raise PilotInputError(
            _("The number of months must be between 1 and %(max)d.") % {"max": MAX_MONTHS}, field="months"
        )
    if not 1 <= per_day <= MAX_PER_DAY:
        raise PilotInputError(
            _("The number of grievances per day must be between 1 and %(max)d.") % {"max": MAX_PER_DAY},
            field="per_day",
        )


@dataclass(frozen=True)
class Simulated:
    """A finished run, how many simulated actions the services refused (the grievance then waited), and the
    appointments of simulated officials it made at offices that had no GRO or Appeal Officer."""

    run: SimulationRun
    refused: int
    appointed: list[Appointment]


def pilot_simulate(
    *,
    districts: list[str],
    unions_per_district: int,
    months: int,
    per_day: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> Simulated:
    """Pick the remote unions, then file ``per_day`` grievances from them on every day of the last ``months``
    months up to today and play their lives forward through the grievance services, each day in one
    transaction. The same seed on the same data makes the same grievances (tracking numbers aside)."""
    _validate(months=months, per_day=per_day)
    picked = pilot_unions_pick(districts=districts, per_district=unions_per_district)
    serving = _serving(picked)
    today = timezone.localdate()
    first = _month_back(today, months) + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    total = len(days) * per_day
    run = SimulationRun.objects.create(
        seed=seed,
        months=months,
        per_day=per_day,
        unions_per_district=unions_per_district,
        first_day=first,
        last_day=today,
    )
    PilotUnion.objects.bulk_create(
        PilotUnion(
            run=run,
            union=p.union,
            district=p.district,
            rank=p.rank,
            distance_km=round(p.distance_km, 1) if p.distance_km is not None else None,
        )
        for p in picked
    )
    # Every office on the way gets a GRO and an Appeal Officer before the first filing, so that grievances
    # are handled rather than only waiting: simulated ones where nobody is appointed.
    offices = pilot_offices(serving)
    appointed = pilot_officials_ensure(offices=offices, run=run, start=first)
    # Real grievances already past their deadline are marked now, at the real time, so that the sweeps at
    # simulated (past) moments only ever mark simulated grievances.
    grievance_sla_sweep()
    simulation = _Simulation(run=run, serving=serving, offices=offices, rng=random.Random(seed), today=today)
    done = 0

    def filed() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    until = timezone.now()
    try:
        for day in days:
            simulation.day(day, per_day, filed, until=until)
    except BaseException:  # interrupted too: the days already simulated stay, and the run says it stopped
        SimulationRun.objects.filter(pk=run.pk).update(status=SimulationRun.Status.FAILED, finished_at=timezone.now())
        raise
    made = Grievance.objects.filter(pk__in=PilotGrievance.objects.filter(run=run).values("grievance_id"))
    leaked = Outbox.objects.filter(grievance__in=made).exclude(status=Outbox.Status.SUPPRESSED).count()
    leaked += Outbox.objects.filter(simulated=True).exclude(status=Outbox.Status.SUPPRESSED).count()
    if leaked or made.filter(simulated=False).exists():
        raise SimulationFailed(_("Some simulated messages were about to be sent; the run is stopped."))
    run.grievances = made.count()
    run.events = GrievanceEvent.objects.filter(grievance__in=made).count()
    run.status = SimulationRun.Status.FINISHED
    run.finished_at = timezone.now()
    run.save(update_fields=["grievances", "events", "status", "finished_at"])
    return Simulated(run=run, refused=simulation.skipped, appointed=appointed)


# --- Purge ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    grievances: int
    events: int
    attachments: int
    messages: int
    runs: int
    officials: int


def pilot_purge() -> PurgeResult:
    """Delete every simulated grievance with its timeline, attachments (rows and files), feedback, identity
    access rows and messages, the simulated officials with their appointments, and the pilot runs; then
    rebuild the dashboards' tallies from what is left."""
    with transaction.atomic():
        simulated = Grievance.objects.filter(simulated=True)
        files = list(Attachment.objects.filter(grievance__in=simulated).values_list("file", flat=True).order_by("pk"))
        events = GrievanceEvent.objects.filter(grievance__in=simulated).count()
        messages, _by_model = Outbox.objects.filter(Q(simulated=True) | Q(grievance__in=simulated)).delete()
        runs = SimulationRun.objects.count()
        PilotGrievance.objects.all().delete()
        PilotUnion.objects.all().delete()
        SimulationRun.objects.all().delete()
        count = simulated.count()
        simulated.delete()
        # After their grievances: a timeline's actor is protected. Their appointments go with them, and so does
        # the audit trail of those appointments, which were never real.
        officials = User.objects.filter(pk__in=SimulatedOfficial.objects.values("user_id"))
        official_count = officials.count()
        audit_forget(
            model=Appointment, ids=list(Appointment.objects.filter(user__in=officials).values_list("pk", flat=True))
        )
        officials.delete()
        tallies_rebuild()
        storage = Attachment._meta.get_field("file").storage

        def remove_files() -> None:
            for name in files:
                try:
                    storage.delete(name)
                except OSError:
                    logger.warning("could not delete the attachment file %s", name)

        transaction.on_commit(remove_files)
    return PurgeResult(
        grievances=count, events=events, attachments=len(files), messages=messages, runs=runs, officials=official_count
    )
