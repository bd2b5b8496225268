"""Celery tasks for grievances: thin wrappers around the services, with names that never change."""

from celery import shared_task

from grievances import services


@shared_task(name="grievances.sla_sweep")
def sla_sweep(**kwargs) -> int:
    """Mark newly overdue grievances and send each affected office one digest; returns how many were marked."""
    return services.grievance_sla_sweep().overdue
