from celery import shared_task

from citizens.services import citizens_sweep


@shared_task(name="citizens.sweep")
def sweep(**kwargs) -> dict[str, int]:
    """Hourly: mask spent and expired sign-in codes in their SMS' text, and delete old codes and sessions."""
    return citizens_sweep()
