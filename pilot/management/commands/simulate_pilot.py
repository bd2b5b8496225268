"""``manage.py simulate_pilot --district Kurigram --district Satkhira [...]``: dummy grievances from remote
unions, played forward through the real services over the last months; flagged simulated."""

import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grs.errors import DomainError
from grs.templatetags.bangla import bn_digits
from pilot.progress import ProgressBar
from pilot.services import pilot_simulate


class Command(BaseCommand):
    # argparse cannot format lazy strings, and Django's own commands keep their --help in English too.
    help = (
        "File simulated grievances from the remote unions of the given districts and play their lives forward "
        "through the grievance services over the last months, up to today. Nothing is sent; "
        "purge_simulated removes it all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--district", action="append", required=True, help="A district by name (repeat for several)."
        )
        parser.add_argument("--unions-per-district", type=int, default=2, help="Remote unions per district.")
        parser.add_argument("--months", type=int, default=4, help="Months to simulate, ending today.")
        parser.add_argument("--per-day", type=int, default=20, help="Grievances filed per day, all unions together.")
        parser.add_argument("--seed", type=int, default=1, help="The random seed: the same seed makes the same run.")

    def handle(self, *args, district, unions_per_district, months, per_day, seed, **options):
        progress = ProgressBar(
            # Plain, not in the error colour Django gives stderr on a terminal.
            lambda text: self.stderr.write(text, style_func=lambda plain: plain, ending=""),
            noun=_("grievances"),
            tty=self.stderr.isatty(),
            flush=self.stderr.flush,
        )
        # The services warn about every message an official could not be sent (the simulated officials have
        # neither e-mail nor phone, so that no real grievance's message ever goes to them) and about offices
        # without a GRO: thousands of lines that would bury the progress bar.
        services_log = logging.getLogger("grievances.services")
        level = services_log.level
        services_log.setLevel(logging.ERROR)
        try:
            result = pilot_simulate(
                districts=district,
                unions_per_district=unions_per_district,
                months=months,
                per_day=per_day,
                seed=seed,
                progress=progress,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            services_log.setLevel(level)
        run = result.run
        unions = ", ".join(
            f"{u.union.name_en} ({u.district.name_en})" for u in run.unions.select_related("union", "district")
        )
        self.say(
            _(
                "Pilot run %(run)d: %(grievances)s simulated grievances and %(events)s timeline events from "
                "%(first)s to %(last)s in %(unions)s; %(refused)s actions refused; no message sent."
            )
            % {
                "run": run.pk,
                "grievances": f"{run.grievances:,}",
                "events": f"{run.events:,}",
                "first": run.first_day.isoformat(),
                "last": run.last_day.isoformat(),
                "unions": unions,
                "refused": f"{result.refused:,}",
            }
        )
        appointed = len(result.appointed)
        if appointed:
            self.say(
                ngettext(
                    "Appointed %(count)s simulated official where an office on the pilot's way had no GRO or "
                    "Appeal Officer; purge_simulated removes it.",
                    "Appointed %(count)s simulated officials where offices on the pilot's way had no GRO or "
                    "Appeal Officer; purge_simulated removes them.",
                    appointed,
                )
                % {"count": f"{appointed:,}"}
            )

    def say(self, text: str) -> None:
        """A line of the summary, its figures in Bangla digits when the command speaks Bangla."""
        self.stdout.write(bn_digits(text))
