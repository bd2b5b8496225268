"""Celery tasks for dashboards: thin wrappers around the services, with names that never change."""

from celery import shared_task

from dashboards import reports


@shared_task(name="dashboards.generate_report")
def generate_report(report_job_id: int, **kwargs) -> str:
    """Prepare a monthly report's PDF and XLSX, unless it is already done or being prepared; returns its status."""
    return reports.report_generate(job_id=report_job_id).status
