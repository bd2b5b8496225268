"""Monthly report pages: ask for a report, watch it being prepared, download its PDF and XLSX.

Every read goes through :mod:`dashboards.reports`' scoped selectors: a report the user neither asked for
nor covers with their scope is the same 404 as one that does not exist.
"""

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from dashboards import reports
from dashboards.models import ReportJob, ReportStatus
from grs import errors
from grs.i18n import localized_name
from grs.templatetags.bangla import bn_digits


class ReportForm(forms.Form):
    office = forms.ChoiceField(label=_("Ministry or office"))
    month = forms.ChoiceField(label=_("Month"))

    def __init__(self, *args, offices, months, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [(o.code, localized_name(o)) for o in offices]
        self.fields["month"].choices = [
            (f"{m:%Y-%m}", bn_digits(formats.date_format(m, "YEAR_MONTH_FORMAT"))) for m in months
        ]


def _job_or_404(request: HttpRequest, job_id: int) -> ReportJob:
    try:
        return reports.report_job_for(request.user, job_id)
    except errors.NotFound:
        raise Http404 from None


@login_required
@never_cache
def index(request: HttpRequest) -> HttpResponse:
    """The form to ask for a report (offices limited to the user's scope) and the reports asked before."""
    offices = list(reports.report_offices(request.user))
    form = ReportForm(request.POST or None, offices=offices, months=reports.report_months())
    if request.method == "POST" and offices and form.is_valid():
        month = date.fromisoformat(form.cleaned_data["month"] + "-01")
        try:
            job = reports.report_request(actor=request.user, office_code=form.cleaned_data["office"], month=month)
        except errors.DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return redirect("reports:job", job_id=job.pk)
    context = {"form": form, "offices": offices, "jobs": reports.report_jobs_of(request.user)}
    return render(request, "dashboards/report_index.html", context, status=200 if offices else 403)


def _status(job: ReportJob) -> dict:
    done = job.status == ReportStatus.DONE
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "error": job.error,
        "finished": job.status in (ReportStatus.DONE, ReportStatus.FAILED),
        "pdf": reverse("reports:pdf", args=[job.pk]) if done else None,
        "xlsx": reverse("reports:xlsx", args=[job.pk]) if done else None,
    }


@login_required
@never_cache
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    """One report: a progress bar while it is prepared, its download links once it is ready."""
    report = _job_or_404(request, job_id)
    context = {"job": report, "office_name": localized_name(report.office), "status": _status(report)}
    return render(request, "dashboards/report_job.html", context)


@login_required
@never_cache
def status(request: HttpRequest, job_id: int) -> JsonResponse:
    """The job's state for the page's progress bar to poll."""
    return JsonResponse(_status(_job_or_404(request, job_id)))


def _download(request: HttpRequest, job_id: int, kind: str, content_type: str) -> FileResponse:
    report = _job_or_404(request, job_id)
    file = getattr(report, kind)
    if report.status != ReportStatus.DONE or not file:
        raise Http404
    name = f"grs-{report.office.code}-{report.month:%Y-%m}.{kind}"
    return FileResponse(file.open("rb"), as_attachment=True, filename=name, content_type=content_type)


@login_required
def pdf(request: HttpRequest, job_id: int) -> FileResponse:
    return _download(request, job_id, "pdf", "application/pdf")


@login_required
def xlsx(request: HttpRequest, job_id: int) -> FileResponse:
    return _download(request, job_id, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
