"""Celery tasks for notifications: thin wrappers around the services, with names that never change."""

from celery import shared_task

from notifications import services


@shared_task(name="notifications.deliver")
def deliver(outbox_id: int, **kwargs) -> None:
    """Send one outbox message, unless it is already sent or being sent."""
    services.outbox_deliver(outbox_id=outbox_id)


@shared_task(name="notifications.sweep")
def sweep(**kwargs) -> int:
    """Take back stuck messages and hand every due one to a worker."""
    return services.outbox_sweep()
