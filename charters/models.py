"""Citizen charters: what each office promises, and by when."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grs.i18n import localized_name
from offices.models import Office

SOCIAL_PROTECTION = "social-protection"


class ServiceCategory(models.Model):
    """A category of services; ``social-protection`` gathers every safety-net programme."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_bn = models.CharField(_("name (Bangla)"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=100, help_text=_("Smaller comes first."))

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["order", "name_en"]

    def __str__(self) -> str:
        return localized_name(self)


class Programme(models.Model):
    """A social-protection (safety-net) programme, e.g. Old Age Allowance or VGF."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_bn = models.CharField(_("name (Bangla)"), max_length=200)
    ministry = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("ministry")
    )
    implementing_office = models.CharField(_("implementing office"), max_length=200, blank=True)
    g2p = models.BooleanField(_("paid G2P"), default=False, help_text=_("Benefits paid straight to the beneficiary."))

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]

    def __str__(self) -> str:
        return localized_name(self)


class Charter(models.Model):
    """An office's citizen charter: the GRS timeframes it publishes (working days)."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="charter", verbose_name=_("office"))
    gro_timeframe_days = models.PositiveSmallIntegerField(
        _("GRO redress time (working days)"), default=settings.GRS_GRO_TIMEFRAME_DAYS
    )
    appeal_timeframe_days = models.PositiveSmallIntegerField(
        _("Appeal Officer time (working days)"), default=settings.GRS_APPEAL_TIMEFRAME_DAYS
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen charter")
        verbose_name_plural = _("citizen charters")
        constraints = [
            models.CheckConstraint(
                condition=Q(gro_timeframe_days__gte=1) & Q(appeal_timeframe_days__gte=1),
                name="charter_timeframes_positive",
            )
        ]

    def __str__(self) -> str:
        return str(self.office)


class CharterServiceQuerySet(models.QuerySet):
    def active(self) -> "CharterServiceQuerySet":
        return self.filter(active=True)


class CharterService(models.Model):
    """A service an office's charter lists, with the time it promises to deliver it in."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="services", verbose_name=_("office"))
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_bn = models.CharField(_("name (Bangla)"), max_length=200)
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="services", verbose_name=_("category")
    )
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="services", verbose_name=_("programme")
    )
    timeframe_days = models.PositiveSmallIntegerField(_("timeframe (working days)"))
    g2p = models.BooleanField(_("G2P payment"), default=False)
    fees = models.CharField(_("fees"), max_length=200, blank=True, default="")
    required_documents = models.TextField(_("required documents"), blank=True, default="")
    responsible_officer = models.CharField(_("responsible officer (designation)"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = CharterServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("charter service")
        verbose_name_plural = _("charter services")
        ordering = ["office", "category__order", "name_en"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name_en"], name="charterservice_unique_name_per_office"),
            models.CheckConstraint(condition=Q(timeframe_days__gte=1), name="charterservice_timeframe_positive"),
        ]
        indexes = [models.Index(fields=["office", "active"]), models.Index(fields=["category", "office"])]

    def __str__(self) -> str:
        return localized_name(self)
