"""Grievances, their append-only timeline, attachments and idempotent submissions."""

from django.conf import settings
from django.db import models
from django.db.models import Case, DateField, F, Q, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from charters.models import CharterService, ServiceCategory
from grievances.workflow import OPEN_STATUSES, Action, Status
from offices.models import Office


class GrievanceType(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    OFFICIAL = "official", _("Government official")
    ANONYMOUS = "anonymous", _("Anonymous")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    MOBILE = "mobile", _("Mobile app")
    UDC = "udc", _("Union Digital Centre")
    HOTLINE = "hotline", _("Hotline")
    PAPER = "paper", _("Paper")
    SMS = "sms", _("SMS")


class Severity(models.TextChoices):
    """How grave a GRO judges an anonymous grievance they close without action."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


def deadline_expression() -> Case:
    """The date a grievance is due by now: the Appeal Officer's while an appeal is pending, else the
    holding office's. The inbox sorts by it, and an index is built on exactly this expression."""
    return Case(
        When(status=Status.APPEALED, then=F("appeal_due_date")), default=F("due_date"), output_field=DateField()
    )


class Grievance(models.Model):
    """A complaint against an office, from filing to closure.

    ``office`` is where it was filed and never changes; ``current_office`` holds it now.
    ``received_at`` and ``due_date`` are the holding office's clock (reset on forwarding);
    ``submitted_at`` starts the citizen's clock, which never resets. Anonymous grievances keep no
    identity: every complainant field stays empty and only a hash of the access code is kept.
    """

    tracking_number = models.CharField(_("tracking number"), max_length=10, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=10, choices=GrievanceType.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="grievances_filed", verbose_name=_("filed at")
    )
    current_office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="grievances", verbose_name=_("office holding it")
    )
    service = models.ForeignKey(
        CharterService, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    category = models.ForeignKey(
        ServiceCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))

    # Who typed it in: the complainant themself (empty for citizens who did not sign in), an
    # official filing their own grievance, or a UDC operator / hotline agent on someone's behalf.
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances_filed",
        verbose_name=_("filed by"),
    )
    on_behalf = models.BooleanField(_("filed on the complainant's behalf"), default=False)

    complainant_name = models.CharField(_("name"), max_length=200, blank=True)
    complainant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    complainant_email = models.EmailField(_("e-mail"), blank=True)
    complainant_address = models.TextField(_("address"), blank=True)
    complainant_country = models.CharField(_("country of residence"), max_length=2, blank=True)
    # The language the complainant filed in: every message to them is written in it, whoever causes it.
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    access_code_hash = models.CharField(max_length=128, blank=True, editable=False)

    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    received_at = models.DateTimeField(_("received at this office"), default=timezone.now)
    due_date = models.DateField(_("due date"))
    overdue = models.BooleanField(_("overdue"), default=False)
    closed_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    # The Appeal Officer's clock: set when the complainant appeals; ``due_date`` stays the GRO's.
    appeal_due_date = models.DateField(_("appeal due date"), null=True, blank=True)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices, blank=True)
    simulated = models.BooleanField(_("pilot / simulated"), default=False)
    # Raised by every workflow service: an officer acting on a page read at an older version is told
    # the grievance changed under them instead of overwriting a colleague's decision.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(type="anonymous")
                | (
                    Q(complainant_name="")
                    & Q(complainant_phone="")
                    & Q(complainant_email="")
                    & Q(complainant_address="")
                    & ~Q(access_code_hash="")
                ),
                name="grievance_anonymous_keeps_no_identity",
            ),
            models.CheckConstraint(
                condition=Q(tracking_number__regex=r"^[0-9]{10}$"), name="grievance_tracking_digits"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.APPEALED) | Q(appeal_due_date__isnull=False),
                name="grievance_appeal_has_due_date",
            ),
        ]
        indexes = [
            models.Index(fields=["current_office", "status", "due_date"], name="grievance_inbox_idx"),
            # The inbox's page: an office's open grievances in deadline order, read from the index
            # until the page is full instead of sorting every open grievance the office holds.
            models.Index(
                F("current_office"),
                deadline_expression(),
                F("id"),
                name="grievance_inbox_deadline_idx",
                condition=Q(status__in=sorted(OPEN_STATUSES)),
            ),
            models.Index(fields=["complainant_phone"], name="grievance_phone_idx"),
            models.Index(fields=["filed_by", "-submitted_at"], name="grievance_filed_by_idx"),
            models.Index(fields=["status", "due_date"], name="grievance_due_idx"),
            # Lists newest first over a window of filing dates (Open311's requests, the admin).
            models.Index(fields=["-submitted_at", "-id"], name="grievance_submitted_idx"),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def is_anonymous(self) -> bool:
        return self.type == GrievanceType.ANONYMOUS


class EventKind(models.TextChoices):
    """Stored values never change or get reused."""

    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    FORWARDED = "forwarded", _("Forwarded")
    INFO_REQUESTED = "info_requested", _("Information requested")
    INFO_PROVIDED = "info_provided", _("Information provided")
    HEARING = "hearing", _("Hearing")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed without action")
    APPEALED = "appealed", _("Appealed")
    APPEAL_DECIDED = "appeal_decided", _("Appeal decided")
    FEEDBACK = "feedback", _("Feedback")
    OVERDUE = "overdue", _("Overdue")
    REOPENED = "reopened", _("Reopened")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    DATA_EXPORTED = "data_exported", _("Complainant's data exported")
    IDENTITY_ERASED = "identity_erased", _("Complainant's identity erased")


class GrievanceEvent(models.Model):
    """One entry of a grievance's timeline. Rows are only ever added."""

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what happened"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    status_after = models.CharField(max_length=16, choices=Status.choices)
    public_note = models.TextField(_("note for the complainant"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("grievance event")
        verbose_name_plural = _("grievance events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["grievance", "at"])]

    def __str__(self) -> str:
        return f"{self.grievance_id}: {self.kind}"


class AppealDecision(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the office's decision stands")
    REMEDIED = "remedied", _("Remedied: the Appeal Officer gave a new remedy")


class Feedback(models.Model):
    """The complainant's rating (1–5) of how their grievance was settled; kept for dashboards."""

    grievance = models.OneToOneField(Grievance, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="feedback_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.grievance_id}: {self.rating}/5"


class IdentityAccess(models.Model):
    """An official was shown a complainant's identity: who, when, which grievance, through what."""

    class Via(models.TextChoices):
        API = "api", _("API")
        WEB = "web", _("Web page")
        FILE = "file", _("Attachment download")

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)
    via = models.CharField(_("through"), max_length=8, choices=Via.choices)

    class Meta:
        verbose_name = _("identity access")
        verbose_name_plural = _("identity accesses")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["grievance", "at"], name="identityaccess_grievance_idx"),
            models.Index(fields=["user", "at"], name="identityaccess_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.grievance_id} ({self.at:%Y-%m-%d %H:%M})"


def _attachment_path(instance: "Attachment", filename: str) -> str:
    # Random names only: the client's file name is kept in a column, never on disk.
    return f"attachments/{timezone.now():%Y/%m}/{instance.storage_name}"


class Attachment(models.Model):
    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    storage_name = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class IdempotencyRecord(models.Model):
    """A submission's ``Idempotency-Key``: the same key never makes two grievances."""

    key = models.CharField(max_length=100, unique=True)
    fingerprint = models.CharField(max_length=64)
    grievance = models.OneToOneField(Grievance, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")

    def __str__(self) -> str:
        return self.key


class ActionKey(models.Model):
    """The ``Idempotency-Key`` of a complainant's reply, rating or appeal: a resent action is recorded once.

    ``fingerprint`` is keyed by the server's secret and covers the tracking number, the phone or access
    code and what was sent; it is deleted with the complainant's identity.
    """

    key = models.CharField(max_length=100, unique=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    fingerprint = models.CharField(max_length=64)
    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("action key")
        verbose_name_plural = _("action keys")

    def __str__(self) -> str:
        return self.key
