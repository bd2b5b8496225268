"""Pilot simulation runs: which remote unions a run chose, and which union each simulated grievance came from.

Everything here is bookkeeping for simulated grievances and the officials simulated to handle them:
``purge_simulated`` deletes it with them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grievances.models import Grievance
from offices.models import AdminUnit


class SimulationRun(models.Model):
    """One ``simulate_pilot`` run: its parameters, the simulated period and what it made."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Stopped before the end")

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    seed = models.BigIntegerField(_("seed"))
    months = models.PositiveSmallIntegerField(_("months"))
    per_day = models.PositiveIntegerField(_("grievances per day"))
    unions_per_district = models.PositiveSmallIntegerField(_("unions per district"))
    first_day = models.DateField(_("first simulated day"))
    last_day = models.DateField(_("last simulated day"))
    grievances = models.PositiveIntegerField(_("grievances made"), default=0)
    events = models.PositiveIntegerField(_("timeline events made"), default=0)

    class Meta:
        verbose_name = _("pilot simulation run")
        verbose_name_plural = _("pilot simulation runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pk}: {self.first_day}–{self.last_day} (seed {self.seed})"


class PilotUnion(models.Model):
    """A remote union a run chose: its district, its rank by distance and the distance when known."""

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="unions")
    union = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("union"))
    district = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    rank = models.PositiveSmallIntegerField(_("rank in its district"))
    distance_km = models.DecimalField(
        _("distance from the Sadar upazila (km)"), max_digits=7, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("pilot union")
        verbose_name_plural = _("pilot unions")
        ordering = ["run", "district", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "union"], name="pilotunion_once_per_run")]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.union}"


class PilotGrievance(models.Model):
    """A simulated grievance of a run and the pilot union its complainant lives in."""

    grievance = models.OneToOneField(Grievance, on_delete=models.CASCADE, primary_key=True, related_name="+")
    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="grievances_made")
    union = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("union"))

    class Meta:
        verbose_name = _("pilot grievance")
        verbose_name_plural = _("pilot grievances")
        indexes = [models.Index(fields=["run", "union"], name="pilotgrievance_run_union_idx")]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.grievance_id}"


class SimulatedOfficial(models.Model):
    """A user a run made to act as the GRO or Appeal Officer of an office that had none: ``purge_simulated``
    deletes the user, and with them their appointments. Their password is unusable: nobody signs in as them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("user")
    )
    run = models.ForeignKey(
        SimulationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="officials", verbose_name=_("run")
    )

    class Meta:
        verbose_name = _("simulated official")
        verbose_name_plural = _("simulated officials")

    def __str__(self) -> str:
        return f"{self.run_id}: {self.user_id}"
