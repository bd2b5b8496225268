"""rebuild_tallies recomputes, from the grievances and events, exactly what the services kept."""

from datetime import time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from dashboards.models import COUNTERS, DIMENSIONS, FORWARD_KEY, ForwardTally, Tally
from grievances import services
from tests.dashboards.test_property import START

pytestmark = pytest.mark.django_db


def tally_rows():
    """The non-empty rows (a grievance moved away leaves a row at zero behind; a rebuild has none)."""
    found = (tuple(str(v) for v in row) for row in Tally.objects.values_list("office", *DIMENSIONS, *COUNTERS))
    return sorted(row for row in found if any(value != "0" for value in row[-len(COUNTERS) :]))


def forward_rows():
    return sorted(tuple(str(v) for v in row) for row in ForwardTally.objects.values_list(*FORWARD_KEY, "n"))


def busy_history(tree, clock):
    """Filings on three days around a month end, at 00:30 Dhaka (the previous day in UTC), forwarded,
    settled, rated, appealed, swept overdue, then forwarded on after an overdue mark."""
    district, dss, food = tree.office("DSS-K"), tree.office("DSS"), tree.office("FOOD-R")
    made = []
    for offset, office, service, kind in [
        (0, district, tree.services[0], "citizen"),
        (1, dss, tree.services[2], "anonymous"),
        (2, food, None, "citizen"),
        (2, district, tree.services[1], "citizen"),
    ]:
        clock.set(START + timedelta(days=offset), time(0, 30))
        filed = services.grievance_file(
            type=kind,
            office=office,
            service=service,
            channel="mobile" if offset else "web",
            subject="Allowance",
            description="Not paid",
            simulated=offset == 1,
            **({"complainant_name": "Amena", "complainant_phone": "+8801712345678"} if kind == "citizen" else {}),
        )
        made.append(filed)
    a, b, c, d = (filed.grievance for filed in made)
    clock.set(START + timedelta(days=3))
    services.grievance_accept(grievance_id=a.pk, actor=tree.gro[district.pk])
    services.grievance_resolve(grievance_id=a.pk, actor=tree.gro[district.pk], resolution="Paid")
    services.grievance_feedback(number=a.tracking_number, rating=4, phone="+8801712345678")
    services.grievance_forward(grievance_id=b.pk, actor=tree.gro[dss.pk], to_office=district, reason="Theirs")
    clock.set(START + timedelta(days=60))
    services.grievance_sla_sweep(now=clock.now)
    services.grievance_forward(grievance_id=c.pk, actor=tree.gro[food.pk], to_office=dss, reason="Misrouted")
    services.grievance_reject(grievance_id=d.pk, actor=tree.gro[district.pk], reason="Not ours")
    services.grievance_appeal(number=d.tracking_number, reason="Unfair", phone="+8801712345678")
    services.grievance_close_no_action(grievance_id=b.pk, actor=tree.gro[district.pk], reason="Vague", severity="low")
    return a, b, c, d


def test_rebuild_reproduces_the_tallies_the_services_kept(tree, clock):
    c = busy_history(tree, clock)[2]
    assert c.events.filter(kind="overdue").exists()  # marked overdue at FOOD-R, then forwarded to DSS
    kept, kept_forwards = tally_rows(), forward_rows()
    assert kept and len(kept_forwards) == 2 * 4  # two forwardings, four grains each
    out = StringIO()
    call_command("rebuild_tallies", stdout=out)
    assert "4 grievances" in out.getvalue()
    assert tally_rows() == kept
    assert forward_rows() == kept_forwards


def test_rebuild_fills_tallies_for_grievances_loaded_without_them(tree, clock):
    from dashboards.selectors import dashboard_figures

    busy_history(tree, clock)
    user = tree.users["cabinet"]
    before = dashboard_figures(user, include_simulated=True)
    Tally.objects.all().delete()
    ForwardTally.objects.all().delete()
    assert dashboard_figures(user, include_simulated=True).totals.received == 0
    call_command("rebuild_tallies", stdout=StringIO())
    after = dashboard_figures(user, include_simulated=True)
    assert after.totals == before.totals and after.totals.received == 4
