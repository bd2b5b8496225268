"""The outbox: every SMS and e-mail GRS sends, written with the change that causes it."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outbox(models.Model):
    """One message to one recipient, written in the caller's transaction and delivered after commit.

    A row goes pending → sending → sent. A failed send returns it to pending with a later
    ``next_attempt_at`` until the attempts run out (failed). While a row is sending,
    ``next_attempt_at`` is the end of the worker's lease: a row still sending after that belonged to
    a worker that died, and the sweep takes it back. Simulated rows (pilot data) are kept as
    ``suppressed`` and never leave GRS.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Simulated, not sent")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254, help_text=_("Phone number in E.164 or e-mail"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        default=timezone.now,
        help_text=_("While sending: when the worker's claim runs out."),
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    grievance = models.ForeignKey(
        "grievances.Grievance",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
        verbose_name=_("grievance"),
    )
    simulated = models.BooleanField(_("pilot / simulated"), default=False)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(simulated=False) | Q(status="suppressed"), name="outbox_simulated_never_sent"
            ),
        ]
        indexes = [
            # The sweep reads only pending and sending rows; leaving sent ones out keeps it small.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="outbox_due_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
            # Failed messages wait for an administrator: the admin counts and lists them from this small
            # index, never reading the sent ones.
            models.Index(fields=["id"], name="outbox_failed_idx", condition=Q(status="failed")),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient} ({self.get_status_display()})"
