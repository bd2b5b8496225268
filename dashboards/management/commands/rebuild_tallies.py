"""``manage.py rebuild_tallies``: recompute the dashboard tallies from the grievances (back-fill, repair)."""

from django.core.management.base import BaseCommand

from dashboards.tally import tallies_rebuild


class Command(BaseCommand):
    # argparse cannot format lazy strings, and Django's own commands keep their --help in English too.
    help = (
        "Empty the dashboard tallies and recompute them from every grievance and event, in one transaction "
        "(on PostgreSQL dashboards and grievance writes wait until it commits). For grievances loaded "
        "without the services, or to repair the tallies."
    )

    def handle(self, *args, **options):
        result = tallies_rebuild()
        self.stdout.write(
            f"{result.grievances} grievances: {result.tally_rows} tally rows, "
            f"{result.forward_rows} forwarding tally rows."
        )
