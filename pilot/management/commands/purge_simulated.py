"""``manage.py purge_simulated``: every simulated grievance and everything kept about it, gone."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grs.templatetags.bangla import bn_digits
from pilot.services import pilot_purge


class Command(BaseCommand):
    help = (
        "Delete every simulated grievance with its events, attachments, feedback, messages, the simulated "
        "officials with their appointments and the pilot runs, then rebuild the dashboard tallies."
    )

    def handle(self, *args, **options):
        result = pilot_purge()
        self.say(
            _(
                "Removed %(grievances)s simulated grievances, %(events)s timeline events, %(attachments)s "
                "attachments, %(messages)s messages and %(runs)s pilot runs; the dashboards are rebuilt."
            )
            % {
                "grievances": f"{result.grievances:,}",
                "events": f"{result.events:,}",
                "attachments": f"{result.attachments:,}",
                "messages": f"{result.messages:,}",
                "runs": f"{result.runs:,}",
            }
        )
        if result.officials:
            self.say(
                ngettext(
                    "Removed %(count)s simulated official with their appointments.",
                    "Removed %(count)s simulated officials with their appointments.",
                    result.officials,
                )
                % {"count": f"{result.officials:,}"}
            )

    def say(self, text: str) -> None:
        """A line of the summary, its figures in Bangla digits when the command speaks Bangla."""
        self.stdout.write(bn_digits(text))
