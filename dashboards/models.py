"""Pre-aggregated counts that every dashboard figure is read from, never from scanning grievances.

Two tallies, both kept exact by :mod:`dashboards.tally` inside the transaction of every write in
``grievances.services`` (and rebuilt from scratch by ``manage.py rebuild_tallies``):

* :class:`StateTally` — a stock: how many grievances are *now* in each state at the office holding
  them, by the day they were filed. Pending and overdue come from it (the tally rule: a grievance
  counts as unresolved for the office holding it until that office forwards or settles it).
* :class:`FlowTally` — a flow: how many times something happened at an office on a day (filed,
  forwarded in / out, resolved, rejected, closed, appealed, appeal decided, rated, marked overdue).

Every change is written twice over: at the office itself (``subtree`` False) and, summed, at the office
and each office above it (``subtree`` True: the office's whole subtree). A scope then reads the rows of the
few offices that make its rows (its own office, and each child's subtree), never every office below it.

Every change is written at four **grains** (day, week, month, year) so that a date range is read as
a few whole years and months plus at most two partial months of days, and a trend as one row set per
week or month: the rows read stay few at millions of grievances. Every change is also written in three
**families**, each a breakdown with as few dimensions as it needs: ``core`` (office, type, simulated:
totals, child offices, districts, trends), ``category`` (plus category, programme, G2P flag) and
``channel`` (plus channel), ``district`` (the district of the office, in ``category``: the district
breakdown). Dimensions a family does not break down by hold 0 / "". The breakdown families keep only
whether a grievance is open or settled (``status`` "open" or "settled"), not which status it is in.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grievances.models import Channel, GrievanceType
from grievances.workflow import Status
from offices.models import Office


class Grain(models.TextChoices):
    """The length of a tally row's period; ``period`` is its first day (weeks start on Sunday)."""

    DAY = "d", _("Day")
    WEEK = "w", _("Week")
    MONTH = "m", _("Month")
    YEAR = "y", _("Year")


class Family(models.TextChoices):
    CORE = "core", _("All grievances")
    CATEGORY = "category", _("By category and programme")
    CHANNEL = "channel", _("By channel")
    DISTRICT = "district", _("By district")


class FlowKind(models.TextChoices):
    """What a flow row counts. Stored values never change or get reused."""

    FILED = "filed", _("Filed at the office")
    FORWARDED_IN = "forwarded_in", _("Forwarded to the office")
    FORWARDED_OUT = "forwarded_out", _("Forwarded by the office")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed without action")
    APPEALED = "appealed", _("Appealed")
    APPEAL_DECIDED = "appeal_decided", _("Appeal decided")
    FEEDBACK = "feedback", _("Rated by the complainant")
    OVERDUE = "overdue", _("Marked overdue")


class SettledOrOpen(models.TextChoices):
    """The state tally's ``status`` in the breakdown families, which need no more than this."""

    OPEN = "open", _("Open")
    SETTLED = "settled", _("Settled")


class _Tally(models.Model):
    """The dimensions both tallies share. ``category`` and ``programme`` are ids, 0 for none: plain
    integers rather than nullable keys, because NULLs never conflict in a unique index and the upsert
    (``INSERT ... ON CONFLICT DO UPDATE``) must find the row it adds to."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", db_index=False)
    # True: the sum over the office and every office below it; False: the office alone.
    subtree = models.BooleanField(default=False)
    family = models.CharField(max_length=8, choices=Family.choices)
    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()
    type = models.CharField(max_length=10, choices=GrievanceType.choices)
    simulated = models.BooleanField()
    category = models.IntegerField(default=0)
    programme = models.IntegerField(default=0)
    g2p = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=[("", "—"), *Channel.choices], blank=True, default="")
    n = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


# What a tally row is counted by after its office: the key of its upserts and of its unique constraint.
DIMENSIONS = ("subtree", "family", "grain", "period", "type", "simulated", "category", "programme", "g2p", "channel")
STATE_DIMENSIONS = (*DIMENSIONS, "status", "overdue")
FLOW_DIMENSIONS = (*DIMENSIONS, "kind", "counterpart", "rating")


class StateTally(_Tally):
    """How many grievances are now held at ``office`` in ``status`` (and ``overdue``), among those filed
    (Asia/Dhaka date of ``submitted_at``) in ``period``. One grievance is in exactly one row per family
    and grain: filing adds it, every change of holder, status or overdue mark moves it."""

    status = models.CharField(max_length=16, choices=[*Status.choices, *SettledOrOpen.choices])
    overdue = models.BooleanField()

    class Meta:
        verbose_name = _("state tally")
        verbose_name_plural = _("state tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["office", *STATE_DIMENSIONS],
                name="statetally_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.family}/{self.grain} {self.period} {self.status}: {self.n}"


class FlowTally(_Tally):
    """How many ``kind`` events happened at ``office`` in ``period`` (Asia/Dhaka date of the event).

    ``counterpart`` is the other office of a forwarding (0 otherwise), so that a scope counts only what
    crossed its border; ``rating`` is the complainant's rating (1–5) on ``feedback`` rows (0 otherwise).
    On ``resolved`` rows ``days`` sums the working days from filing to resolution and ``in_time`` counts
    those resolved by the date promised at filing, both on the citizen's clock (forwarding never resets it).
    """

    kind = models.CharField(max_length=16, choices=FlowKind.choices)
    counterpart = models.IntegerField(default=0)
    rating = models.PositiveSmallIntegerField(default=0)
    days = models.BigIntegerField(default=0)
    in_time = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("flow tally")
        verbose_name_plural = _("flow tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["office", *FLOW_DIMENSIONS],
                name="flowtally_key",
            ),
            models.CheckConstraint(condition=Q(rating__gte=0) & Q(rating__lte=5), name="flowtally_rating_0_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.family}/{self.grain} {self.period} {self.kind}: {self.n}"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def _report_path(instance: "ReportJob", filename: str) -> str:
    # One folder per job: a second run of the same job overwrites its own files, never another's.
    return f"reports/{instance.month:%Y-%m}/{instance.pk}/{filename}"


class ReportJob(models.Model):
    """One monthly report of a ministry (or any office in the asker's scope), asked for by a user and
    prepared by a Celery task: figures only, never a complainant's personal data."""

    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    language = models.CharField(max_length=8, default="bn")
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    pdf = models.FileField(upload_to=_report_path, max_length=200, blank=True)
    xlsx = models.FileField(upload_to=_report_path, max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Touched by every progress step: a "running" job whose heartbeat stopped was lost with its worker.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="reportjob_progress_0_to_100"
            ),
        ]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="reportjob_requester_idx")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.month:%Y-%m} {self.status} {self.progress}%"
