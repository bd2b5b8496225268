"""Pre-aggregated counts that every dashboard figure is read from, never from scanning grievances.

:class:`Tally` is kept exact by :mod:`dashboards.tally` inside the transaction of every write in
``grievances.services`` (and rebuilt from scratch by ``manage.py rebuild_tallies``). One row holds every
figure of one slice of grievances at one **owner** in one period, as counters side by side:

* the stock, ``pending`` and ``overdue``: grievances filed in the period that the owner now holds open
  (the tally rule: a grievance counts as unresolved for the office holding it until that office forwards
  or settles it), and how many of them are past their deadline;
* the flows, what happened in the period: ``received`` (filed, or forwarded in from outside the owner),
  ``forwarded`` (to outside the owner), ``resolved`` with their working days and how many in time,
  ``rejected``, ``closed``, ``appealed``, ``appeals_decided``, ``marked_overdue``, ``rated_1`` .. ``rated_5``.

An owner is an office alone (``subtree`` False), an office with everything below it (``subtree`` True) or
every office at once (``office`` 0, ``subtree`` True). A forwarding counts as received or forwarded only
where it crosses the owner's border, so that any one owner's rows are its figures as they are, and a
dashboard reads the rows of the few owners its scope and rows are made of, never every office below.
(:class:`ForwardTally` keeps each forwarding's two offices, for the scopes made of several owners.)

Every change is written at four **grains** (day, week, month, year) so that a date range is read as a
few whole years and months plus days at the edges, and a trend as one row set per week or month. And
in four **families**, each a breakdown with as few dimensions as it needs: ``core`` (type, simulated:
totals, child offices, trends), ``category`` (plus category, programme, G2P flag), ``channel`` (plus
channel) and ``district`` (the district of the office in ``category``). Dimensions a family does not
break down by hold 0 / "".
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grievances.models import Channel, GrievanceType
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


# The office of the rows that count every office at once.
EVERY_OFFICE = 0

# What a tally row is counted by after its owner: with ``office``, the key of its upserts and unique constraint.
DIMENSIONS = ("subtree", "family", "grain", "period", "type", "simulated", "category", "programme", "g2p", "channel")
# Its counters, named as the dashboard's figures are (``rated_N``: how many rated it N of 5).
COUNTERS = (
    "pending",
    "overdue",
    "received",
    "forwarded",
    "resolved",
    "resolution_days",
    "resolved_in_time",
    "rejected",
    "closed",
    "appealed",
    "appeals_decided",
    "marked_overdue",
    "rated_1",
    "rated_2",
    "rated_3",
    "rated_4",
    "rated_5",
)


class _Slice(models.Model):
    """What a grievance is, as the tallies break it down. ``category`` and ``programme`` are ids, 0 for none:
    plain integers rather than nullable keys, because NULLs never conflict in a unique index and the upsert
    (``INSERT ... ON CONFLICT DO UPDATE``) must find the row it adds to."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()
    type = models.CharField(max_length=10, choices=GrievanceType.choices)
    simulated = models.BooleanField()
    category = models.IntegerField(default=0)
    programme = models.IntegerField(default=0)
    g2p = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=[("", "—"), *Channel.choices], blank=True, default="")

    class Meta:
        abstract = True


class Tally(_Slice):
    """Every figure of one slice at one owner in one period (see the module's docstring). ``office`` is an
    office's id, or :data:`EVERY_OFFICE`; a plain integer, since no office row stands for every office."""

    office = models.BigIntegerField()
    subtree = models.BooleanField()
    family = models.CharField(max_length=8, choices=Family.choices)
    pending = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    forwarded = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    # The working days from filing to resolution, summed over ``resolved``; ``resolved_in_time`` counts those
    # resolved by the date promised at filing. Both on the citizen's clock: forwarding never resets it.
    resolution_days = models.BigIntegerField(default=0)
    resolved_in_time = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    appealed = models.IntegerField(default=0)
    appeals_decided = models.IntegerField(default=0)
    marked_overdue = models.IntegerField(default=0)
    rated_1 = models.IntegerField(default=0)
    rated_2 = models.IntegerField(default=0)
    rated_3 = models.IntegerField(default=0)
    rated_4 = models.IntegerField(default=0)
    rated_5 = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        constraints = [models.UniqueConstraint(fields=["office", *DIMENSIONS], name="tally_key")]

    def __str__(self) -> str:
        return f"{self.office}{'+' if self.subtree else ''} {self.family}/{self.grain} {self.period}"


# A forwarding tally row's key.
FORWARD_KEY = ("source", "target", "grain", "period", "type", "simulated", "category", "programme", "g2p", "channel")


class ForwardTally(_Slice):
    """How many grievances of a slice ``source`` forwarded to ``target`` in a period: what a scope made of
    several owners takes back out of its received and forwarded figures when both ends are inside it."""

    source = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", db_index=False)
    target = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("forwarding tally")
        verbose_name_plural = _("forwarding tallies")
        constraints = [models.UniqueConstraint(fields=list(FORWARD_KEY), name="forwardtally_key")]

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.target_id} {self.grain} {self.period}: {self.n}"


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
