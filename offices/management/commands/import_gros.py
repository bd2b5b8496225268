"""``manage.py import_gros FILE [--dry-run]``: appoint the GROs (and other officers) a ministry's list names."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from offices.imports import ImportFileError, ImportReport, error_count_message, gro_import


class Command(BaseCommand):
    # argparse cannot format lazy strings, and Django's own commands keep their --help in English too.
    help = (
        "Import a GRO list (CSV UTF-8 or XLSX with the columns office_code, username, full_name, designation, "
        "rank, phone, email, role). Every row is checked first; nothing is written unless all are valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV or XLSX file.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report only; write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(_("There is no file %(name)s.") % {"name": file})
        try:
            report = gro_import(file=file, actor=None, dry_run=dry_run)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        self.write_report(report)
        if not report.valid:
            raise CommandError(error_count_message(report))
        if report.applied:
            self.stdout.write(self.style.SUCCESS(_("The GRO list was imported.")))
        else:
            self.stdout.write(_("Dry run: every row is valid; nothing was written."))

    def write_report(self, report: ImportReport) -> None:
        # Tab-separated, so the report reads in a terminal and pastes into a spreadsheet.
        columns = (_("Line"), _("Outcome"), _("Username"), _("Office"), _("Role"), _("Details"))
        self.stdout.write("\t".join(columns))
        for row in report.rows:
            cells = (row.line, row.outcome.label, row.username or "-", row.office or "-", row.role or "-")
            text = "\t".join(str(cell) for cell in cells) + "\t" + "; ".join(row.reasons or row.changes)
            self.stdout.write(self.style.ERROR(text) if row.reasons else text)
        self.stdout.write(report.summary())
