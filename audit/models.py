"""The audit trail of master data: offices, appointments, GRO rank exceptions, charters and their services.

Grievances keep their own trail, the timeline (``grievances.GrievanceEvent``), and reads of a
complainant's identity are logged as ``grievances.IdentityAccess``. An entry names what changed and how
(the changed fields, before and after), never a complainant's personal data: the models it covers hold
none.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.purge import purging
from offices.models import Office


class AppendOnly(Exception):
    """Audit entries are only ever added; the database refuses the same on PostgreSQL."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("audit entries cannot be changed")

    def delete(self):
        if not purging(self.db):
            raise AppendOnly("audit entries are deleted only inside audit.timeline_purge()")
        return super().delete()


class AuditEntry(models.Model):
    """One change to one row: who made it, when, and which fields went from what to what."""

    class Action(models.TextChoices):
        """Stored values never change or get reused."""

        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        ENDED = "ended", _("Ended")
        DELETED = "deleted", _("Deleted")

    at = models.DateTimeField(_("when"), default=timezone.now)
    # Empty for changes no person made: seeding, imports from the command line, the pilot simulation.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # served by the (actor, at) index
        verbose_name=_("who"),
    )
    action = models.CharField(_("what happened"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("kind of record"), max_length=60)  # the model's label, e.g. "offices.appointment"
    object_id = models.CharField(_("record"), max_length=40)
    object_repr = models.CharField(_("record name"), max_length=200)
    # The office the row belongs to, for an auditor's scope. No constraint: the trail outlives what it
    # describes, and an office deleted by mistake must not take its history with it.
    office = models.ForeignKey(
        Office,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # served by the (office, at) index
        related_name="+",
        verbose_name=_("office"),
    )
    # {field: [before, after]}: only the fields that changed; on creation "before" is null, on deletion "after".
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="auditentry_at_idx"),
            models.Index(fields=["actor", "at"], name="auditentry_actor_idx"),
            models.Index(fields=["office", "at"], name="auditentry_office_idx"),
            models.Index(fields=["object_type", "object_id"], name="auditentry_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id}: {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not purging(self._state.db or "default"):
            raise AppendOnly("audit entries are deleted only inside audit.timeline_purge()")
        return super().delete(*args, **kwargs)
