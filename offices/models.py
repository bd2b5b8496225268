"""Administrative geography, the office tree, appointments and the holiday calendar."""

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grs.i18n import localized_name

# One step of an office's materialised path: four base-36 digits, so 1.6 million children per
# office and a depth of 63 within the 255-character column.
PATH_STEP = 4
PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class AdminUnit(models.Model):
    """A unit of Bangladesh's administrative geography: division > district > upazila > union."""

    class Level(models.TextChoices):
        DIVISION = "division", _("Division")
        DISTRICT = "district", _("District")
        UPAZILA = "upazila", _("Upazila")
        UNION = "union", _("Union")

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    source_id = models.PositiveIntegerField(_("id in the geography data set"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_bn = models.CharField(_("name (Bangla)"), max_length=120)
    latitude = models.DecimalField(max_digits=10, decimal_places=7, null=True, blank=True)
    longitude = models.DecimalField(max_digits=10, decimal_places=7, null=True, blank=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["level", "name_en"]
        constraints = [
            models.UniqueConstraint(fields=["level", "source_id"], name="adminunit_level_source_unique"),
            models.CheckConstraint(
                condition=Q(level="division", parent__isnull=True) | Q(parent__isnull=False) & ~Q(level="division"),
                name="adminunit_only_divisions_are_roots",
            ),
        ]
        indexes = [models.Index(fields=["parent", "name_en"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized_name(self)


def path_within(prefix: str, vendor: str, field: str = "path") -> Q:
    """``field`` starts with ``prefix``, as a condition an index can serve.

    PostgreSQL serves ``LIKE 'prefix%'`` from the ``varchar_pattern_ops`` index. SQLite's LIKE is
    case-insensitive and cannot use an index, so there the same set is also bounded as a range:
    every path with the prefix sorts between it and the prefix with its last step raised by one.
    """
    condition = Q(**{f"{field}__startswith": prefix})
    if vendor == "sqlite":
        condition &= Q(**{f"{field}__gte": prefix}) & Q(**{f"{field}__lt": prefix + "~"})
    return condition


class OfficeQuerySet(models.QuerySet):
    def active(self) -> "OfficeQuerySet":
        return self.filter(active=True)

    def subtree(self, office: "Office") -> "OfficeQuerySet":
        """The office and everything below it: one prefix match on the indexed path."""
        return self.filter(path_within(office.path, connections[self.db].vendor))

    def descendants(self, office: "Office") -> "OfficeQuerySet":
        return self.subtree(office).exclude(pk=office.pk)

    def ancestors(self, office: "Office") -> "OfficeQuerySet":
        """Every office above this one, top first: its path's prefixes, in one indexed lookup."""
        prefixes = [office.path[:end] for end in range(PATH_STEP, len(office.path), PATH_STEP)]
        return self.filter(path__in=prefixes).order_by("depth")


class Office(models.Model):
    """A government office. Offices form a tree kept as a materialised path.

    ``path`` is the parent's path plus a four-character step, so a subtree is a ``LIKE
    'prefix%'`` match that the unique index serves (on PostgreSQL Django adds the
    ``varchar_pattern_ops`` twin of that index). Create and move offices only through
    ``offices.services``, which keep ``path``, ``depth`` and ``parent`` in step.
    """

    class Layer(models.TextChoices):
        MINISTRY = "ministry", _("Ministry / Division")
        DIRECTORATE = "directorate", _("Directorate / Department")
        DIVISIONAL = "divisional", _("Divisional office")
        DISTRICT = "district", _("District office")
        UPAZILA = "upazila", _("Upazila office")
        UNION = "union", _("Union office")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_bn = models.CharField(_("name (Bangla)"), max_length=200)
    layer = models.CharField(_("layer"), max_length=12, choices=Layer.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent office"),
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False)
    admin_unit = models.ForeignKey(
        AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="offices", verbose_name=_("area")
    )
    active = models.BooleanField(_("active"), default=True)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=Q(depth__gte=1), name="office_depth_positive"),
        ]
        indexes = [models.Index(fields=["parent", "path"]), models.Index(fields=["admin_unit"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        return localized_name(self)


class Rank(models.Model):
    """A civil-service rank; ``grade`` follows the national pay scale (1 is the most senior)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_bn = models.CharField(_("name (Bangla)"), max_length=120)
    grade = models.PositiveSmallIntegerField(_("pay grade"), help_text=_("1 is the most senior."))

    class Meta:
        verbose_name = _("rank")
        verbose_name_plural = _("ranks")
        ordering = ["grade", "name_en"]

    def __str__(self) -> str:
        return localized_name(self)

    def meets(self, minimum: "Rank") -> bool:
        return self.grade <= minimum.grade


class GroRankRule(models.Model):
    """The lowest rank a GRO may hold at offices of one layer (guideline: Joint Secretary at ministries)."""

    layer = models.CharField(_("layer"), max_length=12, choices=Office.Layer.choices, unique=True)
    minimum_rank = models.ForeignKey(Rank, on_delete=models.PROTECT, verbose_name=_("minimum rank"))

    class Meta:
        verbose_name = _("minimum GRO rank")
        verbose_name_plural = _("minimum GRO ranks")

    def __str__(self) -> str:
        return f"{self.get_layer_display()}: {self.minimum_rank}"


class GroRankException(models.Model):
    """An administrator's permission for one office to appoint a GRO below the layer's minimum rank."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="gro_rank_exception", verbose_name=_("office")
    )
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("GRO rank exception")
        verbose_name_plural = _("GRO rank exceptions")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="gro_rank_exception_has_reason")]

    def __str__(self) -> str:
        return str(self.office)


class Role(models.TextChoices):
    GRO = "gro", _("Grievance Redress Officer")
    APPEAL_OFFICER = "appeal_officer", _("Appeal Officer")
    FOCAL_POINT = "focal_point", _("Focal point (viewer)")
    UDC_OPERATOR = "udc_operator", _("UDC operator")
    HOTLINE_AGENT = "hotline_agent", _("Hotline agent")
    CABINET_MONITOR = "cabinet_monitor", _("Cabinet Division monitor")
    EMPLOYEE = "employee", _("Government employee")
    # Reads the personal-data access log and the audit trail of the office's subtree (everything at CABINET).
    AUDITOR = "auditor", _("Auditor")


class AppointmentQuerySet(models.QuerySet):
    def current(self, on=None) -> "AppointmentQuerySet":
        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class Appointment(models.Model):
    """A user holds a role at an office from a start date until (optionally) an end date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("user")
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("office"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    designation = models.CharField(_("designation"), max_length=200, blank=True)
    rank = models.ForeignKey(Rank, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("rank"))
    start_date = models.DateField(_("from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["office__path", "role", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="appointment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["user", "role"]), models.Index(fields=["office", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.office.code}"


class Holiday(models.Model):
    """A public holiday: not a working day for any deadline."""

    date = models.DateField(_("date"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_bn = models.CharField(_("name (Bangla)"), max_length=120)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {localized_name(self)}"
