"""The pilot report page and its tables as CSV: thin, the figures and the refusals are the selectors'."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from dashboards.exports import SHARE, Cell, as_csv
from dashboards.selectors import NoDashboard
from pilot.selectors import PilotOutOfScope, pilot_report, report_tables


def _run_id(request: HttpRequest) -> int | None:
    """``?run=`` as a run's number; anything else is a run that does not exist (404)."""
    text = request.GET.get("run", "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise Http404
    return int(text)


def _refused(request: HttpRequest, message, status: int) -> HttpResponse:
    return render(request, "dashboards/refused.html", {"message": message, "status": status}, status=status)


def _report(request: HttpRequest):
    """(the report, None), or (None, the page that says why the user may not see it)."""
    try:
        return pilot_report(request.user, run_id=_run_id(request)), None
    except NoDashboard as error:
        return None, _refused(request, error.message, 403)
    except PilotOutOfScope as error:
        return None, _refused(request, error.message, 404)


@never_cache
@login_required
def report(request: HttpRequest) -> HttpResponse:
    """A pilot run's figures (or every run's): channels, routing, forwarding, time to resolve, appeals."""
    found, refused = _report(request)
    if refused is not None:
        return refused
    tables = report_tables(found)
    query = urlencode({"run": found.run.pk}) if found.run else ""
    for table in tables:
        url = reverse("pilot:export", kwargs={"table": table.key})
        table.downloads = [("CSV", f"{url}?{query}" if query else url)]
    runs = [(None, _("Every run"), reverse("pilot:report"))] + [
        (
            run.pk,
            _("Run %(run)d: %(first)s to %(last)s")
            % {"run": run.pk, "first": run.first_day.strftime("%d/%m/%Y"), "last": run.last_day.strftime("%d/%m/%Y")},
            reverse("pilot:report") + "?" + urlencode({"run": run.pk}),
        )
        for run in found.runs
    ]
    figures = found.figures
    context = {
        "report": found,
        "figures": figures,
        "right_first_time": Cell(figures.share(figures.never_forwarded), SHARE).text,
        "overdue_share": Cell(figures.share(figures.overdue), SHARE).text,
        "tables": {table.key: table for table in tables},
        "runs": runs,
    }
    return render(request, "pilot/report.html", context)


@never_cache
@login_required
def export(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the pilot report as CSV (UTF-8 with BOM), with the same rows as the page."""
    found, refused = _report(request)
    if refused is not None:
        return refused
    chosen = next((t for t in report_tables(found) if t.key == table), None)
    if chosen is None:
        raise Http404
    response = HttpResponse(as_csv(chosen), content_type="text/csv; charset=utf-8")
    name = f"grs-pilot-{found.run.pk if found.run else 'all'}-{chosen.key}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
