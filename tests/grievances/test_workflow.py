"""The redress workflow through its services: every transition, the refusals, the two clocks, the SMS."""

from datetime import timedelta

import pytest
from django.utils import timezone

from grievances import tracking
from grievances.models import EventKind, Feedback, Grievance
from grievances.permissions import NotPermitted, OutOfScope
from grievances.services import (
    AppealTooEarly,
    ComplainantNotFound,
    GrievanceChanged,
    NotAnonymous,
    WorkflowInputError,
    grievance_accept,
    grievance_appeal,
    grievance_close_no_action,
    grievance_decide_appeal,
    grievance_feedback,
    grievance_file,
    grievance_forward,
    grievance_provide_info,
    grievance_record_hearing,
    grievance_reject,
    grievance_request_info,
    grievance_resolve,
)
from grievances.sla import deadline_for
from grievances.workflow import InvalidTransition
from notifications.models import Outbox
from offices.models import Office, Role
from offices.workdays import add_working_days
from tests.factories import AppointmentFactory, CharterFactory, OfficeFactory

pytestmark = pytest.mark.django_db

PHONE = "+8801712345678"


@pytest.fixture
def world():
    """Two ministries; the social-welfare one with a directorate and a district office below it."""
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE, name_en="Social Services")
    district = OfficeFactory(code="DSS-KURIGRAM", parent=dss, layer=Office.Layer.DISTRICT, name_en="DSS Kurigram")
    mofood = OfficeFactory(code="MOFOOD", name_en="Ministry of Food")
    CharterFactory(office=dss, gro_timeframe_days=30, appeal_timeframe_days=25)
    CharterFactory(office=district, gro_timeframe_days=10)

    def officer(role, office):
        return AppointmentFactory(role=role, office=office).user

    return {
        "mosw": mosw,
        "dss": dss,
        "district": district,
        "mofood": mofood,
        "gro": officer(Role.GRO, dss),
        "appeal": officer(Role.APPEAL_OFFICER, dss),
        "gro_district": officer(Role.GRO, district),
        "gro_food": officer(Role.GRO, mofood),
        "focal": officer(Role.FOCAL_POINT, mosw),
    }


def file(office, *, anonymous=False, simulated=False, phone=PHONE):
    kwargs = {} if anonymous else {"complainant_name": "Amena Begum", "complainant_phone": phone}
    filed = grievance_file(
        type="anonymous" if anonymous else "citizen",
        office=office,
        subject="Old age allowance not paid",
        description="No payment since March.",
        simulated=simulated,
        **kwargs,
    )
    return filed


def texts(grievance):
    """SMS bodies queued for the grievance after the receipt, oldest first."""
    rows = Outbox.objects.filter(grievance=grievance, channel=Outbox.Channel.SMS).order_by("id")
    return [row.body for row in rows][1:]


def kinds(grievance):
    return list(grievance.events.order_by("at", "id").values_list("kind", flat=True))


def accepted(world, office_key="dss", gro_key="gro"):
    grievance = file(world[office_key]).grievance
    return grievance_accept(grievance_id=grievance.pk, actor=world[gro_key])


def test_accept_moves_to_in_progress_and_accepting_again_changes_nothing(world):
    grievance = file(world["dss"]).grievance
    done = grievance_accept(grievance_id=grievance.pk, actor=world["gro"])
    assert done.status == "in_progress" and done.version == 2
    again = grievance_accept(grievance_id=grievance.pk, actor=world["gro"], expected_version=1)
    assert again.status == "in_progress" and again.version == 2
    assert kinds(grievance) == ["submitted", "accepted"]
    assert grievance.events.get(kind=EventKind.ACCEPTED).actor == world["gro"]


def test_request_for_information_and_the_complainants_answer(world):
    grievance = accepted(world)
    asked = grievance_request_info(
        grievance_id=grievance.pk, actor=world["gro"], question="Which month was the last payment?"
    )
    assert asked.status == "awaiting_info"
    assert texts(grievance) == [
        f"GRS: about grievance {tracking.display(grievance.tracking_number)} the office asks: "
        "Which month was the last payment? Reply on the GRS track page or app."
    ]
    answered = grievance_provide_info(number=grievance.tracking_number, phone="01712345678", answer="February.")
    assert answered.status == "in_progress"
    event = grievance.events.get(kind=EventKind.INFO_PROVIDED)
    assert event.public_note == "February." and event.actor is None
    with pytest.raises(InvalidTransition):
        grievance_provide_info(number=grievance.tracking_number, phone=PHONE, answer="Again")


def test_answering_with_the_wrong_phone_is_not_found(world):
    grievance = accepted(world)
    grievance_request_info(grievance_id=grievance.pk, actor=world["gro"], question="When?")
    with pytest.raises(ComplainantNotFound):
        grievance_provide_info(number=grievance.tracking_number, phone="01812345678", answer="March")
    assert Grievance.objects.get(pk=grievance.pk).status == "awaiting_info"


def test_a_hearing_goes_on_the_timeline_without_changing_the_status(world):
    grievance = accepted(world)
    when = timezone.now() + timedelta(days=3)
    done = grievance_record_hearing(grievance_id=grievance.pk, actor=world["gro"], when=when, note="Bring papers")
    assert done.status == "in_progress"
    event = grievance.events.get(kind=EventKind.HEARING)
    assert event.internal_note == "Bring papers"
    assert timezone.localtime(when).strftime("%d/%m/%Y") in event.public_note


def test_resolve_then_feedback_closes_and_keeps_the_rating(world):
    grievance = accepted(world)
    done = grievance_resolve(grievance_id=grievance.pk, actor=world["gro"], resolution="Paid all arrears on 3 May.")
    assert done.status == "resolved" and done.closed_at is not None
    assert texts(grievance) == [
        f"GRS: grievance {tracking.display(grievance.tracking_number)} is resolved: Paid all arrears on 3 May. "
        "Rate it or appeal on the GRS track page."
    ]
    closed = grievance_feedback(number=grievance.tracking_number, phone=PHONE, rating=4, comment="Quick, thanks")
    assert closed.status == "closed"
    feedback = Feedback.objects.get(grievance=grievance)
    assert (feedback.rating, feedback.comment) == (4, "Quick, thanks")
    assert kinds(grievance)[-1] == "feedback"


def test_reject_tells_the_complainant_why(world):
    grievance = file(world["dss"]).grievance
    with pytest.raises(WorkflowInputError):
        grievance_reject(grievance_id=grievance.pk, actor=world["gro"], reason="  ")
    done = grievance_reject(grievance_id=grievance.pk, actor=world["gro"], reason="A court case is pending.")
    assert done.status == "rejected" and done.closed_at is not None
    assert texts(grievance) == [
        f"GRS: grievance {tracking.display(grievance.tracking_number)} was rejected: A court case is pending. "
        "You may appeal on the GRS track page."
    ]


def test_forward_to_a_subordinate_restarts_the_office_clock_but_not_the_citizens(world):
    grievance = accepted(world)
    submitted_at, received_at = grievance.submitted_at, grievance.received_at
    Grievance.objects.filter(pk=grievance.pk).update(overdue=True)
    moved = grievance_forward(
        grievance_id=grievance.pk, actor=world["gro"], to_office=world["district"], reason="Handled in the district"
    )
    moved.refresh_from_db()
    assert moved.current_office == world["district"] and moved.office == world["dss"]
    assert moved.status == "submitted" and moved.overdue is False
    assert moved.submitted_at == submitted_at and moved.received_at > received_at
    # The district's own charter timeframe (10 working days), counted from the day it arrived.
    assert moved.due_date == deadline_for(world["district"], start=moved.received_at)
    assert moved.due_date == add_working_days(timezone.localdate(moved.received_at), 10)
    event = moved.events.get(kind=EventKind.FORWARDED)
    assert event.data == {"from": "DSS", "to": "DSS-KURIGRAM", "route": "subordinate"}
    assert event.internal_note == "Handled in the district"
    assert texts(grievance) == [
        f"GRS: grievance {tracking.display(grievance.tracking_number)} was forwarded to DSS Kurigram, "
        f"which will settle it by {moved.due_date:%d/%m/%Y}."
    ]
    # It left the sender's care and arrived in the receiver's.
    with pytest.raises(OutOfScope):
        grievance_resolve(grievance_id=grievance.pk, actor=world["gro"], resolution="x")
    assert grievance_accept(grievance_id=grievance.pk, actor=world["gro_district"]).status == "in_progress"


def test_a_misrouted_grievance_is_forwarded_to_another_ministry(world):
    grievance = file(world["dss"]).grievance
    moved = grievance_forward(
        grievance_id=grievance.pk, actor=world["gro"], to_office=world["mofood"], reason="A food-ration matter"
    )
    assert moved.current_office == world["mofood"]
    assert moved.events.get(kind=EventKind.FORWARDED).data["route"] == "misrouted"
    assert "Ministry of Food" in texts(grievance)[0]


def test_forward_refuses_its_own_office_an_inactive_office_and_a_missing_reason(world):
    grievance = file(world["dss"]).grievance
    closed = OfficeFactory(code="OLD", parent=world["dss"], layer=Office.Layer.DISTRICT)
    Office.objects.filter(pk=closed.pk).update(active=False)
    closed.refresh_from_db()
    cases = [(world["dss"], "to_office", "Wrong"), (closed, "to_office", "Wrong"), (world["district"], "reason", " ")]
    for office, field, reason in cases:
        with pytest.raises(WorkflowInputError) as refused:
            grievance_forward(grievance_id=grievance.pk, actor=world["gro"], to_office=office, reason=reason)
        assert refused.value.field == field
    assert kinds(grievance) == ["submitted"]


def _resolved(world):
    grievance = accepted(world)
    return grievance_resolve(grievance_id=grievance.pk, actor=world["gro"], resolution="Done")


def _appealed(world):
    grievance = _resolved(world)
    return grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Only half was paid")


DISALLOWED = [
    ("submitted", "resolve"),
    ("submitted", "request_info"),
    ("submitted", "decide_appeal"),
    ("resolved", "accept"),
    ("resolved", "forward"),
    ("resolved", "reject"),
    ("resolved", "resolve"),
    ("resolved", "hearing"),
    ("appealed", "resolve"),
    ("appealed", "forward"),
]


@pytest.mark.parametrize(("state", "action"), DISALLOWED, ids="-".join)
def test_a_transition_the_workflow_does_not_allow_is_refused_with_409(world, state, action):
    grievance = {
        "submitted": lambda: file(world["dss"]).grievance,
        "in_progress": lambda: accepted(world),
        "resolved": lambda: _resolved(world),
        "appealed": lambda: _appealed(world),
    }[state]()
    actor = world["appeal"] if action == "decide_appeal" else world["gro"]
    call = {
        "accept": lambda: grievance_accept(grievance_id=grievance.pk, actor=actor),
        "request_info": lambda: grievance_request_info(grievance_id=grievance.pk, actor=actor, question="?"),
        "resolve": lambda: grievance_resolve(grievance_id=grievance.pk, actor=actor, resolution="r"),
        "reject": lambda: grievance_reject(grievance_id=grievance.pk, actor=actor, reason="r"),
        "forward": lambda: grievance_forward(
            grievance_id=grievance.pk, actor=actor, to_office=world["district"], reason="r"
        ),
        "hearing": lambda: grievance_record_hearing(grievance_id=grievance.pk, actor=actor, when=timezone.now()),
        "decide_appeal": lambda: grievance_decide_appeal(
            grievance_id=grievance.pk, actor=actor, decision="upheld", text="t"
        ),
    }[action]
    before = kinds(grievance)
    with pytest.raises(InvalidTransition) as refused:
        call()
    assert refused.value.http_status == 409
    assert "cannot be given the action" in str(refused.value)
    assert kinds(grievance) == before
    assert Grievance.objects.get(pk=grievance.pk).status == state


def test_an_open_grievance_can_be_appealed_only_once_its_deadline_has_passed(world):
    grievance = accepted(world)
    with pytest.raises(AppealTooEarly) as refused:
        grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Nothing happens")
    assert grievance.due_date.strftime("%d/%m/%Y") in str(refused.value)
    assert Grievance.objects.get(pk=grievance.pk).status == "in_progress"

    Grievance.objects.filter(pk=grievance.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    appealed = grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Nothing happens")
    assert appealed.status == "appealed"
    assert appealed.events.get(kind=EventKind.APPEALED).data["from_status"] == "in_progress"


def test_appeal_after_resolution_gets_the_appeal_officers_timeframe_and_a_decision(world):
    grievance = _appealed(world)
    assert grievance.status == "appealed" and grievance.closed_at is None
    # DSS's charter gives its Appeal Officer 25 working days.
    assert grievance.appeal_due_date == add_working_days(timezone.localdate(), 25)
    with pytest.raises(NotPermitted):
        grievance_decide_appeal(grievance_id=grievance.pk, actor=world["gro"], decision="upheld", text="t")
    with pytest.raises(WorkflowInputError):
        grievance_decide_appeal(grievance_id=grievance.pk, actor=world["appeal"], decision="maybe", text="t")
    decided = grievance_decide_appeal(
        grievance_id=grievance.pk, actor=world["appeal"], decision="remedied", text="The other half is paid."
    )
    assert decided.status == "appeal_resolved" and decided.closed_at is not None
    assert decided.events.get(kind=EventKind.APPEAL_DECIDED).data == {"decision": "remedied"}
    assert texts(grievance)[-1] == (
        f"GRS: your appeal on grievance {tracking.display(grievance.tracking_number)} is decided "
        "(Remedied: the Appeal Officer gave a new remedy): The other half is paid."
    )
    closed = grievance_feedback(number=grievance.tracking_number, phone=PHONE, rating=5)
    assert closed.status == "closed"
    assert kinds(grievance) == [
        "submitted",
        "accepted",
        "resolved",
        "appealed",
        "appeal_decided",
        "feedback",
    ]


def test_a_rejection_can_be_appealed_at_once_and_the_default_appeal_time_is_20_days(world):
    grievance = file(world["mofood"]).grievance
    grievance_reject(grievance_id=grievance.pk, actor=world["gro_food"], reason="Not ours")
    appealed = grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="It is yours")
    assert appealed.appeal_due_date == add_working_days(timezone.localdate(), 20)
    with pytest.raises(InvalidTransition):
        grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Again")


def test_an_anonymous_grievance_is_closed_without_action_with_its_severity(world):
    filed = file(world["dss"], anonymous=True)
    grievance = filed.grievance
    with pytest.raises(WorkflowInputError):
        grievance_close_no_action(grievance_id=grievance.pk, actor=world["gro"], reason="Vague", severity="huge")
    closed = grievance_close_no_action(
        grievance_id=grievance.pk, actor=world["gro"], reason="No place or name given", severity="low"
    )
    assert closed.status == "closed" and closed.severity == "low" and closed.closed_at is not None
    event = closed.events.get(kind=EventKind.CLOSED)
    assert event.data == {"severity": "low", "type": "anonymous"}
    assert event.internal_note == "No place or name given"
    assert not Outbox.objects.filter(grievance=grievance).exists()
    # The filer follows it with the access code; there is nothing to rate or appeal.
    with pytest.raises(InvalidTransition):
        grievance_appeal(number=grievance.tracking_number, code=filed.access_code, reason="Why?")


def test_only_anonymous_grievances_can_be_closed_without_action(world):
    grievance = file(world["dss"]).grievance
    with pytest.raises(NotAnonymous) as refused:
        grievance_close_no_action(grievance_id=grievance.pk, actor=world["gro"], reason="r", severity="high")
    assert refused.value.http_status == 409
    assert Grievance.objects.get(pk=grievance.pk).status == "submitted"


def test_an_anonymous_grievance_can_be_redressed_like_any_other(world):
    filed = file(world["dss"], anonymous=True)
    grievance = grievance_accept(grievance_id=filed.grievance.pk, actor=world["gro"])
    grievance_request_info(grievance_id=grievance.pk, actor=world["gro"], question="Which union?")
    answered = grievance_provide_info(number=grievance.tracking_number, code=filed.access_code, answer="Jatrapur")
    assert answered.status == "in_progress"


def test_simulated_grievances_queue_their_messages_as_suppressed(world):
    grievance = file(world["dss"], simulated=True).grievance
    grievance_forward(grievance_id=grievance.pk, actor=world["gro"], to_office=world["district"], reason="Local")
    rows = Outbox.objects.filter(grievance=grievance)
    assert rows.count() == 2
    assert set(rows.values_list("status", flat=True)) == {Outbox.Status.SUPPRESSED}


def test_a_complainant_without_a_phone_gets_no_sms(world):
    grievance = grievance_file(
        type="citizen", office=world["dss"], subject="s", description="d", complainant_name="Rahim"
    ).grievance
    grievance_reject(grievance_id=grievance.pk, actor=world["gro"], reason="r")
    assert not Outbox.objects.filter(grievance=grievance).exists()


def test_who_may_act_is_checked_against_the_office_holding_the_grievance(world):
    grievance = file(world["dss"]).grievance
    with pytest.raises(NotPermitted) as refused:
        grievance_accept(grievance_id=grievance.pk, actor=world["focal"])
    assert refused.value.http_status == 403
    with pytest.raises(NotPermitted):
        grievance_accept(grievance_id=grievance.pk, actor=world["appeal"])
    for outsider in (world["gro_food"], world["gro_district"]):
        with pytest.raises(OutOfScope) as hidden:
            grievance_accept(grievance_id=grievance.pk, actor=outsider)
        assert hidden.value.http_status == 404
    assert kinds(grievance) == ["submitted"]


def test_acting_on_a_version_a_colleague_has_changed_is_refused(world):
    grievance = accepted(world)
    read_version = grievance.version
    grievance_record_hearing(grievance_id=grievance.pk, actor=world["gro"], when=timezone.now())
    with pytest.raises(GrievanceChanged) as refused:
        grievance_resolve(
            grievance_id=grievance.pk, actor=world["gro"], resolution="Paid", expected_version=read_version
        )
    assert refused.value.http_status == 409
    assert "Reload" in str(refused.value)
    assert Grievance.objects.get(pk=grievance.pk).status == "in_progress"


def test_a_grievance_forwarded_away_meanwhile_reports_a_change_not_a_missing_grievance(world):
    grievance = accepted(world)
    read_version = grievance.version
    grievance_forward(grievance_id=grievance.pk, actor=world["gro"], to_office=world["district"], reason="Local")
    with pytest.raises(GrievanceChanged):
        grievance_resolve(grievance_id=grievance.pk, actor=world["gro"], resolution="x", expected_version=read_version)
