"""The officials' API: the inbox with its filters, the grievance page and every workflow action."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from grievances.models import Grievance, IdentityAccess
from grievances.services import (
    grievance_accept,
    grievance_appeal,
    grievance_file,
    grievance_forward,
    grievance_provide_info,
    grievance_request_info,
    grievance_resolve,
)
from notifications.models import Outbox
from offices.models import Office, Role
from tests.factories import (
    AppointmentFactory,
    CharterServiceFactory,
    OfficeFactory,
    ServiceCategoryFactory,
)

pytestmark = pytest.mark.django_db

PHONE = "+8801712345678"


@pytest.fixture
def world():
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE, name_en="Social Services")
    district = OfficeFactory(code="DSS-KURIGRAM", parent=dss, layer=Office.Layer.DISTRICT, name_en="DSS Kurigram")
    mofood = OfficeFactory(code="MOFOOD", name_en="Ministry of Food")
    cabinet = OfficeFactory(code="CABINET", name_en="Cabinet Division")

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
        "cabinet": officer(Role.CABINET_MONITOR, cabinet),
    }


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def file(office, *, subject="Old age allowance not paid", anonymous=False, **kwargs):
    identity = {} if anonymous else {"complainant_name": "Amena Begum", "complainant_phone": PHONE}
    return grievance_file(
        type="anonymous" if anonymous else "citizen",
        office=office,
        subject=subject,
        description="No payment since March.",
        **{**identity, **kwargs},
    ).grievance


def numbers(response):
    assert response.status_code == 200, response.content
    return [row["tracking_number"] for row in response.json()["results"]]


# --- inbox ---------------------------------------------------------------------------------------


def test_the_inbox_lists_the_offices_open_grievances_soonest_deadline_first(world):
    slow = file(world["dss"], subject="Slow")
    quick = file(world["dss"], subject="Quick", service=CharterServiceFactory(office=world["dss"], timeframe_days=3))
    file(world["mofood"], subject="Elsewhere")
    done = file(world["dss"], subject="Settled")
    grievance_accept(grievance_id=done.pk, actor=world["gro"])
    grievance_resolve(grievance_id=done.pk, actor=world["gro"], resolution="Paid")
    grievance_accept(grievance_id=slow.pk, actor=world["gro"])

    response = client_for(world["gro"]).get("/api/v1/inbox/")
    assert numbers(response) == [quick.tracking_number, slow.tracking_number]
    row = response.json()["results"][0]
    assert set(row) == {
        "tracking_number",
        "status",
        "type",
        "channel",
        "office",
        "subject",
        "category",
        "service",
        "submitted_at",
        "due_date",
        "appeal_due_date",
        "overdue",
        "is_new",
    }
    assert row["is_new"] is True and row["office"] == "DSS" and row["category"] == "social-protection"
    assert response.json()["results"][1]["is_new"] is False
    assert "Amena" not in response.content.decode()


def test_a_forwarded_grievance_leaves_the_senders_inbox_and_arrives_in_the_receivers(world):
    grievance = file(world["dss"])
    grievance_forward(grievance_id=grievance.pk, actor=world["gro"], to_office=world["district"], reason="Local")
    assert numbers(client_for(world["gro"]).get("/api/v1/inbox/")) == []
    assert numbers(client_for(world["gro_district"]).get("/api/v1/inbox/")) == [grievance.tracking_number]


def test_the_appeal_officers_inbox_holds_the_appeals_to_their_office(world):
    file(world["dss"], subject="Not appealed")
    appealed = file(world["dss"])
    grievance_accept(grievance_id=appealed.pk, actor=world["gro"])
    grievance_resolve(grievance_id=appealed.pk, actor=world["gro"], resolution="Paid")
    grievance_appeal(number=appealed.tracking_number, phone=PHONE, reason="Half only")
    response = client_for(world["appeal"]).get("/api/v1/inbox/")
    assert numbers(response) == [appealed.tracking_number]
    assert response.json()["results"][0]["appeal_due_date"] is not None


def test_officials_who_handle_no_office_have_an_empty_inbox(world):
    file(world["dss"])
    for user in (world["focal"], world["cabinet"]):
        assert numbers(client_for(user).get("/api/v1/inbox/")) == []


def test_inbox_filters(world):
    category = ServiceCategoryFactory(slug="land", name_en="Land", name_bn="ভূমি")
    land = CharterServiceFactory(office=world["dss"], category=category)
    allowance = CharterServiceFactory(office=world["dss"])
    a = file(world["dss"], subject="Allowance stopped", service=allowance, channel="mobile")
    b = file(world["dss"], subject="Land record wrong", service=land)
    c = file(world["dss"], subject="Bribe asked", anonymous=True)
    d = file(world["dss"], subject="Resolved one")
    grievance_accept(grievance_id=d.pk, actor=world["gro"])
    grievance_resolve(grievance_id=d.pk, actor=world["gro"], resolution="Done")
    Grievance.objects.filter(pk=b.pk).update(overdue=True)
    Grievance.objects.filter(pk=c.pk).update(submitted_at=timezone.now() - timedelta(days=10))
    api = client_for(world["gro"])

    def listed(**params):
        return sorted(numbers(api.get("/api/v1/inbox/", params)))

    def of(*grievances):
        return sorted(g.tracking_number for g in grievances)

    assert listed() == of(a, b, c)
    assert listed(status="resolved") == of(d)
    assert listed(status=["resolved", "submitted"]) == of(a, b, c, d)
    assert listed(type="anonymous") == of(c)
    assert listed(category="social-protection") == of(a)
    assert listed(category="land") == of(b)
    assert listed(service=land.pk) == of(b)
    assert listed(channel="mobile") == of(a)
    assert listed(overdue="true") == of(b)
    assert listed(overdue="false") == of(a, c)
    today = timezone.localdate()
    assert listed(submitted_to=(today - timedelta(days=1)).isoformat()) == of(c)
    assert listed(submitted_from=today.isoformat()) == of(a, b)
    assert listed(q="land RECORD") == of(b)
    assert listed(q=a.tracking_number[:6]) == of(a)
    assert listed(q=f"{a.tracking_number[:4]}-{a.tracking_number[4:8]}") == of(a)
    assert api.get("/api/v1/inbox/", {"status": "lost"}).status_code == 400


def _inbox_queries(world, django_assert_max_num_queries, rows):
    for i in range(rows):
        grievance = file(world["dss"], subject=f"Grievance {i}", service=CharterServiceFactory(office=world["dss"]))
        if i % 2:
            grievance_accept(grievance_id=grievance.pk, actor=world["gro"])
    api = client_for(world["gro"])
    with django_assert_max_num_queries(3):
        assert len(numbers(api.get("/api/v1/inbox/", {"page_size": 50}))) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_inbox_costs_the_same_queries_for_3_or_30_rows(world, django_assert_max_num_queries, rows):
    _inbox_queries(world, django_assert_max_num_queries, rows)


def test_the_inbox_needs_a_signed_in_user(world):
    assert APIClient().get("/api/v1/inbox/").status_code == 401


# --- grievance page ------------------------------------------------------------------------------


def test_the_grievance_page_shows_the_whole_timeline_and_the_identity_to_the_holding_office(world):
    grievance = file(world["dss"])
    grievance_accept(grievance_id=grievance.pk, actor=world["gro"])
    grievance_request_info(grievance_id=grievance.pk, actor=world["gro"], question="Which month?")
    response = client_for(world["gro"]).get(f"/api/v1/grievances/{grievance.tracking_number}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "awaiting_info" and body["current_office"]["code"] == "DSS"
    assert body["complainant_name"] == "Amena Begum" and body["complainant_phone"] == PHONE
    assert [e["kind"] for e in body["events"]] == ["submitted", "accepted", "info_requested"]
    assert body["events"][1]["actor"] == world["gro"].display_name
    assert body["allowed_actions"] == []  # waiting for the complainant
    assert IdentityAccess.objects.filter(grievance=grievance, user=world["gro"], via="api").count() == 1


def test_internal_notes_reach_officials_but_not_the_track_page(world):
    grievance = file(world["dss"])
    grievance_forward(grievance_id=grievance.pk, actor=world["gro"], to_office=world["district"], reason="Secret why")
    detail = client_for(world["focal"]).get(f"/api/v1/grievances/{grievance.tracking_number}/").json()
    assert detail["events"][-1]["internal_note"] == "Secret why"
    assert detail["events"][-1]["data"] == {"from": "DSS", "to": "DSS-KURIGRAM", "route": "subordinate"}
    track = APIClient().get(f"/api/v1/track/{grievance.tracking_number}/", {"phone": PHONE})
    assert "Secret why" not in track.content.decode()


@pytest.mark.parametrize(
    ("who", "sees_identity"),
    [("gro", True), ("appeal", True), ("focal", False), ("cabinet", False)],
)
def test_only_the_gro_and_appeal_officer_of_the_holding_office_see_who_complained(world, who, sees_identity):
    grievance = file(world["dss"])
    response = client_for(world[who]).get(f"/api/v1/grievances/{grievance.tracking_number}/")
    assert response.status_code == 200
    identity = {"complainant_name", "complainant_phone", "complainant_email", "complainant_address"}
    assert (identity <= set(response.json())) is sees_identity
    assert ("Amena" in response.content.decode()) is sees_identity
    assert IdentityAccess.objects.filter(user=world[who]).exists() is sees_identity


def test_after_forwarding_the_identity_is_for_the_new_office_only(world):
    grievance = file(world["dss"])
    grievance_forward(grievance_id=grievance.pk, actor=world["gro"], to_office=world["district"], reason="Local")
    assert client_for(world["gro"]).get(f"/api/v1/grievances/{grievance.tracking_number}/").status_code == 404
    body = client_for(world["gro_district"]).get(f"/api/v1/grievances/{grievance.tracking_number}/").json()
    assert body["complainant_name"] == "Amena Begum"
    assert "accept" in body["allowed_actions"] and "forward" in body["allowed_actions"]


def test_a_mistyped_or_unknown_number_answers_like_one_out_of_scope(world):
    outside = file(world["mofood"])
    api = client_for(world["gro"])
    answers = [
        api.get(f"/api/v1/grievances/{number}/")
        for number in (outside.tracking_number, "0000000000", "12345", outside.tracking_number[:-1] + "x")
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1


# --- actions -------------------------------------------------------------------------------------


def post(user, grievance, action, **body):
    return client_for(user).post(f"/api/v1/grievances/{grievance.tracking_number}/{action}/", body, format="json")


def test_accept_then_request_info_then_resolve_over_the_api(world):
    grievance = file(world["dss"])
    accepted = post(world["gro"], grievance, "accept")
    assert accepted.status_code == 200
    assert accepted.json() == {
        "tracking_number": grievance.tracking_number,
        "status": "in_progress",
        "version": 2,
        "office": "DSS",
        "due_date": grievance.due_date.isoformat(),
        "appeal_due_date": None,
    }
    assert post(world["gro"], grievance, "accept").json()["version"] == 2  # no-op
    asked = post(world["gro"], grievance, "request-info", question="Which month?")
    assert asked.json()["status"] == "awaiting_info"
    assert post(world["gro"], grievance, "resolve", resolution="Paid").status_code == 409
    grievance_provide_info(number=grievance.tracking_number, phone=PHONE, answer="March")
    resolved = post(world["gro"], grievance, "resolve", resolution="Paid all arrears")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"


def test_hearing_reject_and_close(world):
    heard = file(world["dss"])
    post(world["gro"], heard, "accept")
    response = post(world["gro"], heard, "hearing", when="2030-05-01T10:00:00+06:00", note="At the upazila")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    assert post(world["gro"], heard, "hearing", note="no date").status_code == 400

    rejected = file(world["dss"])
    assert post(world["gro"], rejected, "reject", reason="").status_code == 400
    response = post(world["gro"], rejected, "reject", reason="A court case is pending")
    assert response.status_code == 200 and response.json()["status"] == "rejected"

    anonymous = file(world["dss"], anonymous=True)
    assert post(world["gro"], anonymous, "close", reason="Vague", severity="severe").status_code == 400
    response = post(world["gro"], anonymous, "close", reason="No place or name given", severity="medium")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    citizen = file(world["dss"])
    refused = post(world["gro"], citizen, "close", reason="r", severity="low")
    assert refused.status_code == 409 and refused.json()["code"] == "not_anonymous"


def test_forward_by_office_code(world):
    grievance = file(world["dss"])
    response = post(world["gro"], grievance, "forward", to_office="dss-kurigram", reason="Local matter")
    assert response.status_code == 200
    assert response.json()["office"] == "DSS-KURIGRAM" and response.json()["status"] == "submitted"
    outbox = Outbox.objects.filter(grievance=grievance).order_by("id").last()
    assert "DSS Kurigram" in outbox.body and outbox.recipient == PHONE

    other = file(world["dss"])
    assert post(world["gro"], other, "forward", to_office="NOPE", reason="r").status_code == 400
    assert post(world["gro"], other, "forward", to_office="DSS", reason="r").json()["to_office"]
    assert post(world["gro"], other, "forward", to_office="MOFOOD").status_code == 400


def test_decide_appeal_over_the_api(world):
    grievance = file(world["dss"])
    post(world["gro"], grievance, "accept")
    post(world["gro"], grievance, "resolve", resolution="Paid")
    grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Half only")
    assert post(world["gro"], grievance, "decide-appeal", decision="upheld", text="t").status_code == 403
    response = post(world["appeal"], grievance, "decide-appeal", decision="upheld", text="The payment was right.")
    assert response.status_code == 200 and response.json()["status"] == "appeal_resolved"


def test_the_grievance_page_shows_the_complainants_rating(world):
    grievance = file(world["dss"])
    post(world["gro"], grievance, "accept")
    post(world["gro"], grievance, "resolve", resolution="Paid")
    api = client_for(world["focal"])
    assert api.get(f"/api/v1/grievances/{grievance.tracking_number}/").json()["feedback"] is None
    APIClient().post(
        f"/api/v1/track/{grievance.tracking_number}/feedback/", {"phone": PHONE, "rating": 3}, format="json"
    )
    body = api.get(f"/api/v1/grievances/{grievance.tracking_number}/").json()
    assert body["status"] == "closed"
    assert body["feedback"]["rating"] == 3 and body["feedback"]["comment"] == ""


def test_the_schema_describes_the_redress_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    assert "get" in paths["/api/v1/inbox/"] and "get" in paths["/api/v1/grievances/{tracking_number}/"]
    for action in ("accept", "request-info", "hearing", "forward", "resolve", "reject", "close", "decide-appeal"):
        assert "post" in paths[f"/api/v1/grievances/{{tracking_number}}/{action}/"], action
    for action in ("reply", "feedback", "appeal"):
        assert "post" in paths[f"/api/v1/track/{{tracking_number}}/{action}/"], action
    assert {"to_office", "reason", "version"} <= set(components["ForwardInput"]["properties"])
    assert {"phone", "code", "rating", "comment"} <= set(components["FeedbackInput"]["properties"])
    listed = {param["name"] for param in paths["/api/v1/inbox/"]["get"]["parameters"]}
    assert {"status", "type", "category", "service", "channel", "overdue", "submitted_from", "q"} <= listed


def test_a_disallowed_transition_answers_409_with_a_clear_message(world):
    grievance = file(world["dss"])
    response = post(world["gro"], grievance, "resolve", resolution="Paid")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "A grievance that is “Submitted” cannot be given the action “Resolve”.",
        "code": "invalid_transition",
    }


def test_acting_on_a_stale_version_answers_409_reload(world):
    grievance = file(world["dss"])
    post(world["gro"], grievance, "accept")
    response = post(world["gro"], grievance, "resolve", resolution="Paid", version=1)
    assert response.status_code == 409
    assert response.json()["code"] == "grievance_changed" and "Reload" in response.json()["detail"]
    assert post(world["gro"], grievance, "resolve", resolution="Paid", version=2).status_code == 200


# --- two officers at once (PostgreSQL: SQLite serialises whole transactions) ------------------------


def _wait_for_lock_waiters(count: int) -> None:
    deadline = time.monotonic() + 15
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # pg_locks is read afresh on every call (pg_stat_activity is frozen for the whole transaction).
            cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError(f"{count} requests never queued on the grievance's row lock")


RESOLVE = ("resolve", {"resolution": "Paid"})
FORWARD = ("forward", {"to_office": "DSS-KURIGRAM", "reason": "Local"})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("first", "second"),
    [(RESOLVE, FORWARD), (FORWARD, RESOLVE), (RESOLVE, ("resolve", {"resolution": "Paid twice"}))],
    ids=["resolve-then-forward", "forward-then-resolve", "resolve-then-resolve"],
)
def test_two_officers_acting_at_once_one_wins_and_the_other_is_told_to_reload(world, first, second):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises whole transactions, so the race needs PostgreSQL (CI runs it there)")
    colleague = AppointmentFactory(role=Role.GRO, office=world["dss"]).user
    grievance = file(world["dss"])
    grievance_accept(grievance_id=grievance.pk, actor=world["gro"])
    answers = {}

    def act(name, user, action, body):
        try:
            answers[name] = client_for(user).post(
                f"/api/v1/grievances/{grievance.tracking_number}/{action}/", body, format="json"
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("first", world["gro"], *first)),
        threading.Thread(target=act, args=("second", colleague, *second)),
    ]
    # Hold the row so that both requests have read the grievance and queue on its lock before either
    # acts; PostgreSQL grants a row lock to its waiters in turn, so the first to queue acts first.
    with transaction.atomic():
        Grievance.objects.select_for_update().get(pk=grievance.pk)
        for waiting, thread in enumerate(threads, start=1):
            thread.start()
            _wait_for_lock_waiters(waiting)
    for thread in threads:
        thread.join(timeout=30)

    assert (answers["first"].status_code, answers["second"].status_code) == (200, 409)
    assert answers["second"].json()["code"] == "grievance_changed"
    assert "Reload" in answers["second"].json()["detail"]
    final = Grievance.objects.get(pk=grievance.pk)
    events = list(final.events.order_by("at", "id"))
    winner = {"resolve": "resolved", "forward": "forwarded"}[first[0]]
    assert [e.kind for e in events] == ["submitted", "accepted", winner]
    assert events[-1].status_after == final.status and final.version == 3
