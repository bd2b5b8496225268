"""Monthly reports: a ministry's (or any watched office's) figures for one month as a PDF and an XLSX.

A report is a :class:`~dashboards.models.ReportJob` asked for on ``/reports/`` and prepared by the
``dashboards.generate_report`` Celery task. Its content comes from the dashboard selectors called with
the *requesting user*, so a report is never wider than what that user's dashboard shows: Cabinet Division
may report on any ministry, a focal point on the offices they watch. Like the dashboards, it reads the
tallies only: no complainant's name, phone, address or words ever reach a report.

The PDF is drawn by WeasyPrint with the Lohit Bengali font (Debian ``fonts-lohit-beng-bengali``, pulled in
by ``fonts-beng``), which HarfBuzz shapes correctly. PDF text extraction of Bangla is only as good as the
PDF's glyph-to-text map, one entry per glyph: syllables whose vowel sign is drawn before its consonant
(ে ি ৈ ো ৌ) may extract out of order, though they display correctly. The office's name is the first text
of the document, so its glyphs' map is taken from the name itself.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.models import Grain, ReportJob, ReportStatus
from dashboards.selectors import Dashboard, Figures, Trends, dashboard_figures, dashboard_trends
from grs import errors
from grs.csv_safety import append_as_text
from grs.i18n import localized_name
from grs.templatetags.bangla import bangla_active
from offices.models import Office
from offices.selectors import scope_of

logger = logging.getLogger(__name__)

# How many past months the form offers, and how many months the trend table shows.
MONTHS_OFFERED = 24
TREND_MONTHS = 12
# A job whose heartbeat (``updated_at``) stopped this long ago was lost with its worker or its message.
STALE_RUNNING = timedelta(minutes=10)
STALE_QUEUED = timedelta(hours=1)
PDF_FONTS = '"Lohit Bengali", "Noto Sans Bengali", "Mukti", sans-serif'


class ReportOutOfScope(errors.NotFound):
    code = "not_found"

    def __init__(self, message=None, **kwargs):
        super().__init__(message or gettext_lazy("You cannot ask for a report on this office."), **kwargs)


class ReportInputError(errors.ValidationError):
    code = "invalid"


# --- Who may report on what --------------------------------------------------------------------------


def report_offices(user) -> QuerySet[Office]:
    """The offices ``user`` may ask a monthly report on: every ministry and division for Cabinet Division,
    the offices a focal point watches (each with its subtree); none for anyone else."""
    scope = scope_of(user)
    if scope.everything:
        return Office.objects.filter(depth=1).order_by("path")
    return Office.objects.filter(path__in=scope.subtree_paths).order_by("path")


def _covers_subtree(user, office: Office) -> bool:
    scope = scope_of(user)
    return scope.everything or any(office.path.startswith(path) for path in scope.subtree_paths)


def report_months(today: date | None = None) -> list[date]:
    """The months a report may be asked for, newest first: this month (so far) and the ones before it."""
    month = (today or timezone.localdate()).replace(day=1)
    months = []
    for _i in range(MONTHS_OFFERED):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def months_before(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


# --- Jobs: asking, reading, preparing -----------------------------------------------------------------


@transaction.atomic
def report_request(*, actor, office_code: str, month: date) -> ReportJob:
    """Ask for ``office_code``'s report on ``month``; the task is queued once the job is committed."""
    office = report_offices(actor).filter(code=(office_code or "").strip().upper()).first()
    if office is None:
        raise ReportOutOfScope()
    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ReportInputError(_("Choose a month that has begun."), field="month")
    job = ReportJob.objects.create(
        requested_by=actor, office=office, month=month, language=translation.get_language() or "bn"
    )
    transaction.on_commit(lambda pk=job.pk: _queue(pk))
    return job


def _queue(job_id: int) -> None:
    from dashboards.tasks import generate_report

    try:
        generate_report.delay(job_id)
    except Exception:
        # The broker is down: say so on the job page now rather than leave it queued for nobody.
        logger.exception("report job %s could not be queued", job_id)
        _fail(job_id, _("The report could not be queued: the task service is not answering. Ask for it again."))


def report_jobs_of(user, limit: int = 20) -> list[ReportJob]:
    """The reports ``user`` asked for, newest first."""
    jobs = list(ReportJob.objects.filter(requested_by=user).select_related("office")[:limit])
    return [_settle_stale(job) for job in jobs]


def report_job_for(user, job_id: int) -> ReportJob:
    """One report, for the user who asked for it or one whose scope covers its office's subtree; any
    other answers like a report that does not exist."""
    job = ReportJob.objects.select_related("office").filter(pk=job_id).first()
    if (
        job is None
        or not user.is_authenticated
        or not (job.requested_by_id == user.pk or _covers_subtree(user, job.office))
    ):
        raise errors.NotFound(gettext_lazy("No such report."))
    return _settle_stale(job)


def _settle_stale(job: ReportJob) -> ReportJob:
    """A job left queued or running long after its last sign of life is marked failed, never shown as
    in progress forever."""
    now = timezone.now()
    stale = (job.status == ReportStatus.RUNNING and job.updated_at < now - STALE_RUNNING) or (
        job.status == ReportStatus.QUEUED and job.updated_at < now - STALE_QUEUED
    )
    if stale:
        message = _("The report was not finished: the task preparing it stopped. Ask for it again.")
        ReportJob.objects.filter(pk=job.pk, status=job.status, updated_at=job.updated_at).update(
            status=ReportStatus.FAILED, error=message, finished_at=now, updated_at=now
        )
        job.refresh_from_db()
    return job


def _set_progress(job_id: int, progress: int) -> None:
    ReportJob.objects.filter(pk=job_id, status=ReportStatus.RUNNING).update(
        progress=progress, updated_at=timezone.now()
    )


def _fail(job_id: int, message: str) -> None:
    now = timezone.now()
    ReportJob.objects.filter(pk=job_id).exclude(status=ReportStatus.DONE).update(
        status=ReportStatus.FAILED, error=message[:2000], finished_at=now, updated_at=now
    )


def report_generate(*, job_id: int) -> ReportJob:
    """Prepare the job's PDF and XLSX, marking progress as it goes; done or failed at the end, never left
    running. A job already done, failed or being prepared by a live worker is returned unchanged."""
    now = timezone.now()
    claimable = Q(status=ReportStatus.QUEUED) | Q(status=ReportStatus.RUNNING, updated_at__lt=now - STALE_RUNNING)
    claimed = (
        ReportJob.objects.filter(claimable, pk=job_id).update(
            status=ReportStatus.RUNNING, progress=5, error="", started_at=now, finished_at=None, updated_at=now
        )
        == 1
    )
    job = ReportJob.objects.select_related("office", "requested_by").get(pk=job_id)
    if not claimed:
        return job
    with translation.override(job.language):
        try:
            content = report_content(
                user=job.requested_by,
                office=job.office,
                month=job.month,
                on_progress=lambda p: _set_progress(job.pk, p),
            )
            tables = report_tables(content)
            _set_progress(job.pk, 60)
            pdf = render_pdf(content, tables)
            _set_progress(job.pk, 85)
            xlsx = render_xlsx(content, tables)
            _set_progress(job.pk, 95)
            stem = f"{job.office.code}-{job.month:%Y-%m}"
            _store(job, "pdf", f"{stem}.pdf", pdf)
            _store(job, "xlsx", f"{stem}.xlsx", xlsx)
            now = timezone.now()
            ReportJob.objects.filter(pk=job.pk, status=ReportStatus.RUNNING).update(
                status=ReportStatus.DONE,
                progress=100,
                pdf=job.pdf.name,
                xlsx=job.xlsx.name,
                finished_at=now,
                updated_at=now,
            )
        except errors.DomainError as exc:
            _fail(job.pk, _("The report could not be prepared: %(reason)s") % {"reason": exc})
        except Exception as exc:
            logger.exception("report job %s failed", job.pk)
            reason = f"{type(exc).__name__}: {exc}"
            _fail(job.pk, _("The report could not be prepared: %(reason)s") % {"reason": reason})
    job.refresh_from_db()
    return job


def _store(job: ReportJob, field_name: str, filename: str, data: bytes) -> None:
    """Write the file under the job's own folder, replacing one a previous, interrupted run left there."""
    field = getattr(job, field_name)
    name = field.field.generate_filename(job, filename)
    if field.storage.exists(name):
        field.storage.delete(name)
    field.save(filename, ContentFile(data), save=False)


# --- Content -------------------------------------------------------------------------------------------


@dataclass
class ReportContent:
    office: Office
    month: date
    dashboard: Dashboard
    trends: Trends
    generated_at: object

    @property
    def month_label(self) -> str:
        return formats.date_format(self.month, "YEAR_MONTH_FORMAT")


def report_content(
    *, user, office: Office, month: date, on_progress: Callable[[int], None] | None = None
) -> ReportContent:
    """The figures of ``office``'s subtree for ``month`` and the trend of the twelve months to it, read
    with ``user``'s own scope: an office outside it raises :class:`ReportOutOfScope`."""
    progress = on_progress or (lambda _p: None)
    if not report_offices(user).filter(pk=office.pk).exists():
        raise ReportOutOfScope()
    progress(10)
    month = month.replace(day=1)
    dashboard = dashboard_figures(user, office_code=office.code, date_from=month, date_to=month_end(month))
    progress(30)
    trends = dashboard_trends(
        user,
        office_code=office.code,
        date_from=months_before(month, TREND_MONTHS - 1),
        date_to=month_end(month),
        interval=Grain.MONTH,
    )
    progress(50)
    return ReportContent(office=office, month=month, dashboard=dashboard, trends=trends, generated_at=timezone.now())


@dataclass
class Table:
    """One table of the report: a section of the PDF and a sheet of the XLSX."""

    sheet: str
    title: str
    columns: list[str]
    rows: list[list]
    # Rows (by index) that belong to the row above them, such as a category's programmes.
    nested: frozenset[int] = frozenset()


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _figure_columns() -> list[tuple[str, Callable[[Figures], object]]]:
    return [
        (_("Received"), lambda f: f.received),
        (_("Resolved"), lambda f: f.resolved),
        (_("Rejected"), lambda f: f.rejected),
        (_("Forwarded out"), lambda f: f.forwarded),
        (_("Pending"), lambda f: f.pending),
        (_("Overdue"), lambda f: f.overdue),
        (_("Appealed"), lambda f: f.appealed),
        (_("Average working days to resolve"), lambda f: f.average_days_to_resolve),
        (_("Resolved in time (%)"), lambda f: _percent(f.resolved_in_time_share)),
        (_("Satisfaction (mean of 5)"), lambda f: f.satisfaction_mean),
    ]


def _figure_table(sheet: str, title: str, first: str, named: list[tuple[str, Figures, bool]]) -> Table:
    columns = _figure_columns()
    rows, nested = [], set()
    for index, (name, figures, is_nested) in enumerate(named):
        rows.append([name, *(value(figures) for _label, value in columns)])
        if is_nested:
            nested.add(index)
    return Table(sheet, title, [first, *(label for label, _value in columns)], rows, frozenset(nested))


def report_tables(content: ReportContent) -> list[Table]:
    """The report's tables, in order: totals, child offices, categories (Social Protection first, with its
    programmes), channels, satisfaction, and the trend of the last twelve months."""
    dashboard, totals = content.dashboard, content.dashboard.totals
    summary = Table(
        "Summary",
        _("Totals for the month"),
        [_("Figure"), _("Value")],
        [
            [_("Received"), totals.received],
            [_("Resolved"), totals.resolved],
            [_("Rejected"), totals.rejected],
            [_("Closed without action"), totals.closed],
            [_("Forwarded out"), totals.forwarded],
            [_("Pending (filed this month, still open)"), totals.pending],
            [_("Overdue (filed this month, past the deadline)"), totals.overdue],
            [_("Appealed"), totals.appealed],
            [_("Appeals decided"), totals.appeals_decided],
            [_("Marked overdue"), totals.marked_overdue],
            [_("Average working days to resolve"), totals.average_days_to_resolve],
            [_("Resolved in time (%)"), _percent(totals.resolved_in_time_share)],
            [_("Satisfaction (mean of 5)"), totals.satisfaction_mean],
            [_("Ratings given"), totals.satisfaction_count],
        ],
    )
    offices = [
        (row.name if row.subtree else _("%(office)s (itself)") % {"office": row.name}, row.figures, False)
        for row in dashboard.by_office
    ]
    categories = []
    for row in dashboard.by_category:
        categories.append((row.name, row.figures, False))
        categories.extend((programme.name, programme.figures, True) for programme in row.programmes)
    channels = [(row.name, row.figures, False) for row in dashboard.by_channel]
    ratings = totals.satisfaction_count
    satisfaction = Table(
        "Satisfaction",
        _("Satisfaction"),
        [_("Rating"), _("Ratings given"), _("Share (%)")],
        [
            [str(rating), n, round(n * 100 / ratings, 1) if ratings else None]
            for rating, n in enumerate(totals.ratings, start=1)
        ],
    )
    trend = Table(
        "Trend",
        _("The last twelve months"),
        [_("Month"), _("Received"), _("Resolved"), _("Marked overdue"), _("Satisfaction (mean of 5)")],
        [
            [
                formats.date_format(point.start, "YEAR_MONTH_FORMAT"),
                point.figures.received,
                point.figures.resolved,
                point.figures.marked_overdue,
                point.figures.satisfaction_mean,
            ]
            for point in content.trends.points
        ],
    )
    return [
        summary,
        _figure_table("Offices", _("By office"), _("Office"), offices),
        _figure_table("Categories", _("By category and programme"), _("Category / programme"), categories),
        _figure_table("Channels", _("By channel"), _("Channel"), channels),
        satisfaction,
        trend,
    ]


# --- Rendering -----------------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return formats.number_format(value, decimal_pos=1)
    return str(value)


def render_html(content: ReportContent, tables: list[Table]) -> str:
    """The report as the HTML page the PDF is drawn from: figures, percentages and dates in Bangla digits
    when the report is in Bangla (the template's ``bn_digits``), in ASCII digits when it is in English."""
    return render_to_string(
        "dashboards/report_pdf.html",
        {
            "content": content,
            "office_bn": content.office.name_bn or content.office.name_en,
            "office_en": content.office.name_en,
            "office_name": localized_name(content.office),
            "tables": [
                {"table": t, "rows": [([_cell(v) for v in row], i in t.nested) for i, row in enumerate(t.rows)]}
                for t in tables
            ],
            "fonts": PDF_FONTS,
            "language": translation.get_language(),
            # The page numbers' CSS counter style: WeasyPrint knows the predefined "bengali" one.
            "digits": "bengali" if bangla_active() else "decimal",
        },
    )


def render_pdf(content: ReportContent, tables: list[Table]) -> bytes:
    """The report as an A4 PDF, Bangla shaped by HarfBuzz through WeasyPrint."""
    import weasyprint  # a heavy import, needed only by the worker

    return weasyprint.HTML(string=render_html(content, tables)).write_pdf()


def render_xlsx(content: ReportContent, tables: list[Table]) -> bytes:
    """The report as a workbook: one sheet per table, numbers as numbers, a title row above each.

    Unlike the PDF, the workbook keeps ASCII digits in Bangla too, as the dashboard's CSV files do: it is
    the copy other programs read, and a spreadsheet writes its numbers in the reader's own settings.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.sheet)
        append_as_text(sheet, [f"{localized_name(content.office)} — {table.title} — {content.month_label}"])
        sheet["A1"].font = Font(bold=True)
        append_as_text(sheet, table.columns)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for index, row in enumerate(table.rows):
            append_as_text(sheet, row)  # an office named "=…" stays a name, never a formula
            if index in table.nested:
                sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(indent=2)
        sheet.column_dimensions["A"].width = 42
        sheet.freeze_panes = "B3"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
