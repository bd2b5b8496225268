"""Celery tasks for grievances: thin wrappers around the services, with names that never change."""

from celery import shared_task

from grievances import privacy, services


@shared_task(name="grievances.sla_sweep")
def sla_sweep(**kwargs) -> int:
    """Mark newly overdue grievances and send each affected office one digest; returns how many were marked."""
    return services.grievance_sla_sweep().overdue


@shared_task(name="grievances.retention_sweep")
def retention_sweep(**kwargs) -> int:
    """Erase the complainant's identity on grievances settled longer ago than GRS_RETENTION_DAYS; returns how many."""
    return privacy.grievance_retention_sweep()
