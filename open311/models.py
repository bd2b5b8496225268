"""Open311 GeoReport v2: the keys outside applications file with, and which grievance came through which key."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grievances.models import Grievance


class ApiKey(models.Model):
    """A key an outside application sends as ``api_key`` to file service requests.

    Only a SHA-256 hash of the key is stored: the key is 256 random bits, so no slow password hash is
    needed, and a copy of the database files nothing. The administrator sees the key once, when it is
    issued. Keys are revoked (``active``), never deleted, so the grievances filed with them keep their origin.
    """

    name = models.CharField(_("application"), max_length=120, help_text=_("Who files with this key."))
    contact = models.CharField(
        _("contact"), max_length=200, blank=True, help_text=_("Whom to call about the application: e-mail or phone.")
    )
    prefix = models.CharField(_("key starts with"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True, help_text=_("Untick to revoke the key."))
    created_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("issued by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name", "id"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="open311_apikey_has_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Open311Filing(models.Model):
    """A grievance filed through Open311, and the key it was filed with."""

    grievance = models.OneToOneField(Grievance, on_delete=models.CASCADE, related_name="+")
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="filings", verbose_name=_("API key"))
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("Open311 filing")
        verbose_name_plural = _("Open311 filings")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["api_key", "at"], name="open311_filing_key_idx")]

    def __str__(self) -> str:
        return f"{self.api_key_id} → {self.grievance_id}"
