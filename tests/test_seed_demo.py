"""seed_demo: the demo offices and accounts of DESIGN.md §7, charters, holidays; idempotent; the password works."""

import csv
from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation

from charters.models import SOCIAL_PROTECTION, Charter, CharterService, Programme
from offices.demo import DATA_DIR, FIXED_HOLIDAYS, LUNAR_HOLIDAYS
from offices.models import AdminUnit, Appointment, GroRankRule, Holiday, Office, Rank, Role
from offices.services import RankTooLow, appointment_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Layer = Office.Layer
DEPARTMENTS = {"DSS": "MOSW", "DWA": "MOWCA", "DDM": "MODMR", "DGFOOD": "MOFOOD"}


@pytest.fixture(scope="module", autouse=True)
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back afterwards; each test runs in a savepoint."""
    with django_db_blocker.unblock(), translation.override("en"), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def ministry_codes() -> list[str]:
    with (DATA_DIR / "ministries.csv").open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


def test_every_ministry_and_department_is_an_office_in_its_place():
    for code in ministry_codes():
        ministry = Office.objects.get(code=code)
        assert (ministry.layer, ministry.parent, ministry.depth) == (Layer.MINISTRY, None, 1)
    assert Office.objects.get(code="CABINET").name_bn == "মন্ত্রিপরিষদ বিভাগ"
    for department, ministry in DEPARTMENTS.items():
        office = Office.objects.get(code=department)
        assert (office.layer, office.parent.code) == (Layer.DIRECTORATE, ministry)
    dss = Office.objects.get(code="DSS")
    assert (dss.name_en, dss.name_bn) == ("Department of Social Services", "সমাজসেবা অধিদপ্তর")


def test_each_department_has_a_district_office_in_both_pilot_districts():
    kurigram = AdminUnit.objects.get(level=AdminUnit.Level.DISTRICT, source_id=60)
    satkhira = AdminUnit.objects.get(level=AdminUnit.Level.DISTRICT, source_id=21)
    for department in DEPARTMENTS:
        for district in (kurigram, satkhira):
            office = Office.objects.get(code=f"{department}-{district.name_en.upper()}")
            assert (office.layer, office.parent.code, office.admin_unit) == (Layer.DISTRICT, department, district)
    dss_kurigram = Office.objects.get(code="DSS-KURIGRAM")
    assert dss_kurigram.name_en == "District Social Services Office, Kurigram"
    assert dss_kurigram.name_bn == "জেলা সমাজসেবা কার্যালয়, কুড়িগ্রাম"
    assert Office.objects.get(code="DGFOOD-SATKHIRA").name_en == "District Food Controller's Office, Satkhira"


def test_a_district_office_has_one_upazila_office_per_upazila():
    dss_kurigram = Office.objects.get(code="DSS-KURIGRAM")
    upazilas = list(dss_kurigram.children.order_by("code"))

    assert len(upazilas) == 9
    assert {office.admin_unit for office in upazilas} == set(dss_kurigram.admin_unit.children.all())
    assert all(office.layer == Layer.UPAZILA for office in upazilas)
    ulipur = Office.objects.get(code="DSS-KURIGRAM-ULIPUR")
    assert ulipur.parent == dss_kurigram
    assert (ulipur.name_en, ulipur.name_bn) == ("Upazila Social Services Office, Ulipur", "উপজেলা সমাজসেবা কার্যালয়, উলিপুর")
    assert Office.objects.get(code="DSS-KURIGRAM-SADAR").admin_unit.name_en == "Kurigram Sadar"
    assert Office.objects.get(code="DSS-SATKHIRA").children.count() == 7
    assert Office.objects.get(code="DDM-SATKHIRA-SHYAMNAGAR").name_en == (
        "Project Implementation Officer's Office, Shyamnagar"
    )
    # Subtree reads rely on the materialised path that office_ensure computes.
    assert Office.objects.subtree(Office.objects.get(code="MOSW")).filter(code="DSS-KURIGRAM-ULIPUR").exists()


def test_every_union_of_the_two_pilot_upazilas_has_a_union_parishad():
    for district, upazila_id, unions in (("KURIGRAM", 448, 8), ("SATKHIRA", 183, 12)):
        parishads = Office.objects.filter(parent__code=f"LGD-{district}")
        assert parishads.count() == unions
        assert {office.admin_unit.parent.source_id for office in parishads} == {upazila_id}
        assert all(
            office.layer == Layer.UNION and office.code == f"UP-{office.admin_unit.source_id}" for office in parishads
        )
    assert Office.objects.get(code="LGD-KURIGRAM").parent.code == "LGD"
    holokhana = Office.objects.get(code="UP-4117")
    assert (holokhana.name_en, holokhana.name_bn) == ("Holokhana Union Parishad", "হলোখানা ইউনিয়ন পরিষদ")


def test_every_office_publishes_a_charter_with_the_default_timeframes():
    assert Office.objects.count() == Charter.objects.count()
    assert set(Charter.objects.values_list("gro_timeframe_days", "appeal_timeframe_days")) == {(30, 20)}


def test_social_protection_services_are_in_the_dss_charters():
    services = CharterService.objects.filter(office__code="DSS-KURIGRAM", category__slug=SOCIAL_PROTECTION)

    oaa = services.filter(programme__code="OAA")
    assert oaa.count() == 2
    assert all(service.g2p for service in oaa)
    payment = oaa.get(name_en="Old Age Allowance: payment not received")
    assert (payment.name_bn, payment.timeframe_days) == ("বয়স্ক ভাতা: ভাতার টাকা না পাওয়া", 15)
    assert payment.responsible_officer == "Deputy Director, District Social Services Office"
    assert set(services.values_list("programme__code", flat=True)) == {"OAA", "WDA", "DA", "DSTIP"}
    ulipur = CharterService.objects.filter(office__code="DSS-KURIGRAM-ULIPUR")
    assert ulipur.filter(programme__code="WDA").exists()
    assert ulipur.filter(category__slug="other").exists()
    assert set(ulipur.values_list("responsible_officer", flat=True)) == {"Upazila Social Services Officer"}


def test_each_department_and_union_parishad_lists_its_own_programmes():
    def programmes(code: str) -> set[str]:
        return set(CharterService.objects.filter(office__code=code).values_list("programme__code", flat=True)) - {None}

    assert programmes("DWA-SATKHIRA") == {"VWB", "MCBP"}
    assert programmes("DDM-KURIGRAM-ULIPUR") == {"VGF", "EGPP", "TR", "GR"}
    assert programmes("DGFOOD-KURIGRAM") == {"FFP", "OMS"}
    union = CharterService.objects.filter(office__code="UP-4117")
    assert union.get(programme__code="VGF").category.slug == SOCIAL_PROTECTION
    assert union.get(name_en="Birth registration").category.slug == "civil-registration"
    assert {"Trade licence", "Citizenship certificate"} <= set(union.values_list("name_en", flat=True))
    assert not CharterService.objects.filter(name_bn="").exists()
    vgf = Programme.objects.get(code="VGF")
    assert (vgf.ministry.code, vgf.g2p) == ("MODMR", False)
    assert Programme.objects.get(code="FFH").ministry.code == "MOLWA"


ACCOUNTS = [
    ("cabinet", Role.CABINET_MONITOR, "CABINET", None),
    ("mosw", Role.FOCAL_POINT, "MOSW", "deputy-secretary"),
    ("gro-mosw", Role.GRO, "MOSW", "joint-secretary"),
    ("appeal-mosw", Role.APPEAL_OFFICER, "MOSW", "additional-secretary"),
    ("gro-dss", Role.GRO, "DSS", "director"),
    ("gro-dss-kurigram", Role.GRO, "DSS-KURIGRAM", "deputy-director"),
    ("gro-mofood", Role.GRO, "MOFOOD", "joint-secretary"),
    ("udc-kurigram", Role.UDC_OPERATOR, "UP-4117", None),
    ("hotline", Role.HOTLINE_AGENT, "CABINET", None),
    ("official", Role.EMPLOYEE, "DSS-SATKHIRA", None),
]


@pytest.mark.parametrize(("username", "role", "office", "rank"), ACCOUNTS)
def test_each_demo_account_holds_its_role_at_its_office(username, role, office, rank):
    appointment = Appointment.objects.current().select_related("user", "office", "rank").get(user__username=username)

    assert (appointment.role, appointment.office.code) == (role, office)
    if rank:
        assert appointment.rank.code == rank
    assert appointment.designation
    assert appointment.user.full_name
    assert appointment.user.phone.startswith("+8801") and len(appointment.user.phone) == 14
    assert not appointment.user.is_staff


def test_the_udc_operator_works_at_a_union_of_kurigram_sadar():
    union = Appointment.objects.get(user__username="udc-kurigram").office
    assert (union.layer, union.admin_unit.parent.name_en) == (Layer.UNION, "Kurigram Sadar")


def test_the_output_lists_the_accounts_and_the_password(seeded):
    assert "divisions 8, districts 64, upazilas 494, unions 4,540" in seeded
    lines = {line.split()[0]: line for line in seeded.splitlines() if line.strip()}
    for username, role, office, _rank in ACCOUNTS:
        assert str(role.label) in lines[username]
        assert lines[username].endswith(office)
    assert "admin" in lines
    assert "demo1234" in seeded


def _signs_in(client, username: str, password: str) -> bool:
    """Through the sign-in page, as a person would (it redirects only on success)."""
    return client.post("/accounts/login/", {"username": username, "password": password}).status_code == 302


def test_the_demo_password_signs_in_and_admin_reaches_the_django_admin(client):
    assert _signs_in(client, "gro-dss-kurigram", "demo1234")
    assert not _signs_in(client, "gro-dss-kurigram", "wrong-password")
    assert _signs_in(client, "admin", "demo1234")
    assert client.get("/admin/").status_code == 200


def test_ministry_gros_must_be_joint_secretaries_or_above():
    rule = GroRankRule.objects.select_related("minimum_rank").get()
    assert (rule.layer, rule.minimum_rank.code) == (Layer.MINISTRY, "joint-secretary")
    ranks = dict(Rank.objects.values_list("code", "name_bn"))
    assert ranks["joint-secretary"] == "যুগ্মসচিব"
    assert ranks["union-secretary"] == "ইউনিয়ন পরিষদ সচিব"

    with pytest.raises(RankTooLow):
        appointment_create(
            user=UserFactory(),
            office=Office.objects.get(code="MOSW"),
            role=Role.GRO,
            rank=Rank.objects.get(code="deputy-secretary"),
        )


def test_this_and_next_years_public_holidays_are_in_the_calendar():
    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        assert Holiday.objects.get(date=date(year, 12, 16)).name_en == "Victory Day"
        assert Holiday.objects.get(date=date(year, 2, 21)).name_bn == "শহিদ দিবস ও আন্তর্জাতিক মাতৃভাষা দিবস"
        assert Holiday.objects.filter(date__year=year, date__month=3, date__day=26).exists()
    assert not Holiday.objects.filter(date__year=this_year + 2).exists()


def test_lunar_holidays_are_added_only_for_the_years_the_table_covers():
    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        fixed = {date(year, month, day) for month, day, _en, _bn in FIXED_HOLIDAYS}
        lunar = {day for day, _en, _bn in LUNAR_HOLIDAYS.get(year, ())}
        holidays = dict(Holiday.objects.filter(date__year=year).values_list("date", "name_en"))
        assert set(holidays) == fixed | lunar
        # A lunar holiday that falls on a fixed one shares its row.
        assert all("; " in holidays[day] for day in fixed & lunar)


def test_running_again_adds_no_row_anywhere_and_restores_the_demo_terms():
    models = apps.get_models(include_auto_created=True)
    before = {model._meta.label: model.objects.count() for model in models}
    paths = dict(Office.objects.values_list("code", "path"))
    payment = CharterService.objects.get(office__code="DSS-KURIGRAM", name_en="Old Age Allowance: payment not received")
    CharterService.objects.filter(pk=payment.pk).update(timeframe_days=40, name_bn="")
    # A charter's GRS timeframe is the office's to publish: an administrator's change survives.
    Charter.objects.filter(office__code="DSS-KURIGRAM").update(gro_timeframe_days=25)

    seed()

    after = {model._meta.label: model.objects.count() for model in models}
    # Restoring the service's terms is a change, and the audit trail records it (the charter's stays as it is).
    assert after.pop("audit.AuditEntry") == before.pop("audit.AuditEntry") + 1
    assert after == before
    assert dict(Office.objects.values_list("code", "path")) == paths
    payment.refresh_from_db()
    assert (payment.timeframe_days, payment.name_bn) == (15, "বয়স্ক ভাতা: ভাতার টাকা না পাওয়া")
    assert Charter.objects.get(office__code="DSS-KURIGRAM").gro_timeframe_days == 25


def test_the_password_option_sets_every_demo_password(client):
    output = seed(password="another-secret")

    assert "another-secret" in output
    assert _signs_in(client, "mosw", "another-secret")
    assert not _signs_in(client, "mosw", "demo1234")
    assert _signs_in(client, "admin", "another-secret")
