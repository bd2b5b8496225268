"""``manage.py load_geography``: load or refresh Bangladesh's administrative geography."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from offices.geography import DATA_DIR, GeographyError, geography_load, geography_summary


class Command(BaseCommand):
    # argparse cannot format lazy strings, and Django's own commands keep their --help in English too.
    help = "Load divisions, districts, upazilas and unions from the bd-geocode CSV files; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DATA_DIR,
            help="Folder with divisions.csv, districts.csv, upazilas.csv and unions.csv.",
        )

    def handle(self, *args, data_dir: Path, **options):
        try:
            counts = geography_load(data_dir=data_dir)
        except GeographyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(geography_summary(counts))
