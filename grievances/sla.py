"""Deadlines from citizen charters, counted in working days."""

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from charters.models import Charter, CharterService
from offices.models import Office
from offices.workdays import add_working_days


def gro_timeframe_days(office: Office, service: CharterService | None = None) -> int:
    """The GRO's redress time the office's charter publishes; a service may promise a shorter one."""
    charter = Charter.objects.filter(office=office).only("gro_timeframe_days").first()
    days = charter.gro_timeframe_days if charter else settings.GRS_GRO_TIMEFRAME_DAYS
    if service is not None and service.office_id == office.pk and service.timeframe_days < days:
        days = service.timeframe_days
    return days


def appeal_timeframe_days(office: Office) -> int:
    """The Appeal Officer's time the office's charter publishes (default 20 working days)."""
    days = Charter.objects.filter(office=office).values_list("appeal_timeframe_days", flat=True).first()
    return days or settings.GRS_APPEAL_TIMEFRAME_DAYS


def deadline_for(office: Office, *, start: datetime, service: CharterService | None = None) -> date:
    """The date by which ``office`` must settle a grievance it received at ``start``."""
    return add_working_days(timezone.localdate(start), gro_timeframe_days(office, service))
