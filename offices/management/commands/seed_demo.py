"""``manage.py seed_demo [--password P]``: the demo offices, charters, holidays and accounts."""

from django.core.management.base import BaseCommand, CommandError

from grs.errors import DomainError
from offices.demo import DEFAULT_PASSWORD, seed_demo


class Command(BaseCommand):
    # argparse cannot format lazy strings, and Django's own commands keep their --help in English too.
    help = "Create or refresh the demo data (geography, offices, charters, holidays, accounts); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password for every demo account (default: {DEFAULT_PASSWORD}).",
        )

    def handle(self, *args, password: str, **options):
        try:
            seed_demo(password=password, stdout=self.stdout)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
