"""GRO lists from ministries: every row checked first, all or nothing applied, a row-by-row report."""

import csv
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from offices.imports import gro_import
from offices.models import Appointment, Office, Role
from offices.services import gro_rank_exception_grant
from tests.factories import GroRankRuleFactory, OfficeFactory, RankFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

HEADER = ["office_code", "username", "full_name", "designation", "rank", "phone", "email", "role"]
VALID_ROWS = [
    ["MOSW", "gro-mosw", "Farhana Akter", "Joint Secretary (Development)", "Joint Secretary", "01712345678",
     "farhana@mosw.gov.bd", "gro"],
    ["mosw", "appeal-mosw", "Abdul Karim", "Additional Secretary", "joint-secretary", "+971 50 123 4567", "",
     "Appeal Officer"],
    ["DSS", "gro-dss", "Nasrin Sultana", "Director", "উপসচিব", "", "nasrin@dss.gov.bd", "Grievance Redress Officer"],
]  # fmt: skip


@pytest.fixture
def offices():
    joint = RankFactory(code="joint-secretary", name_en="Joint Secretary", name_bn="যুগ্মসচিব", grade=3)
    RankFactory(code="deputy-secretary", name_en="Deputy Secretary", name_bn="উপসচিব", grade=5)
    GroRankRuleFactory(layer=Office.Layer.MINISTRY, minimum_rank=joint)
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE)
    closed = OfficeFactory(code="CLOSED", parent=dss, layer=Office.Layer.DISTRICT, active=False)
    return {"MOSW": mosw, "DSS": dss, "CLOSED": closed}


def write_csv(path, rows, *, bom: bool = True):
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    workbook.active.title = "GROs"
    for row in rows:
        workbook.active.append(row)
    workbook.create_sheet("Notes").append(["not read"])
    workbook.save(path)
    return path


def outcomes(report) -> list[tuple[int, str, str]]:
    return [(row.line, row.username, row.outcome) for row in report.rows]


def test_a_valid_csv_creates_users_and_appointments(offices, tmp_path):
    # A header in other case and with stray spaces, and a person who has an account already.
    header = [" Office_Code ", "USERNAME", "Full_Name", "designation", "Rank", "phone ", "Email", "role"]
    UserFactory(username="gro-dss", full_name="N. Sultana", email="old@dss.gov.bd", phone="+8801911111111")
    path = write_csv(tmp_path / "gros.csv", [header, *VALID_ROWS])

    report = gro_import(file=path, actor=None, dry_run=False)

    assert report.valid and report.applied
    assert outcomes(report) == [(2, "gro-mosw", "created"), (3, "appeal-mosw", "created"), (4, "gro-dss", "created")]
    assert report.totals == {"created": 3, "updated": 0, "unchanged": 0, "error": 0}
    gro = User.objects.get(username="gro-mosw")
    assert (gro.full_name, gro.email, gro.phone) == ("Farhana Akter", "farhana@mosw.gov.bd", "+8801712345678")
    assert not gro.has_usable_password()
    appointment = Appointment.objects.get(user=gro)
    assert (appointment.office.code, appointment.role) == ("MOSW", Role.GRO)
    assert (appointment.rank.code, appointment.designation) == ("joint-secretary", "Joint Secretary (Development)")
    assert Appointment.objects.get(user__username="appeal-mosw").role == Role.APPEAL_OFFICER
    assert User.objects.get(username="appeal-mosw").phone == "+971501234567"
    existing = User.objects.get(username="gro-dss")
    # The list's name and e-mail replace the old ones; its empty phone leaves the stored one alone.
    assert (existing.full_name, existing.email, existing.phone) == (
        "Nasrin Sultana",
        "nasrin@dss.gov.bd",
        "+8801911111111",
    )
    assert existing.has_usable_password()
    assert report.rows[2].changes == ["full name", "email address"]
    assert Appointment.objects.get(user=existing).rank.code == "deputy-secretary"


def test_a_valid_xlsx_is_read_by_its_content_whatever_its_name(offices, tmp_path):
    rows = [HEADER, *VALID_ROWS]
    rows[1] = [*rows[1][:5], 1712345678, *rows[1][6:]]  # Excel keeps a typed phone as a number, dropping the 0
    path = write_xlsx(tmp_path / "gros-from-ministry.csv", rows)

    report = gro_import(file=path, actor=None, dry_run=False)

    assert report.valid and report.totals["created"] == 3
    assert User.objects.get(username="gro-mosw").phone == "+8801712345678"
    assert set(Appointment.objects.values_list("user__username", "office__code", "role")) == {
        ("gro-mosw", "MOSW", "gro"),
        ("appeal-mosw", "MOSW", "appeal_officer"),
        ("gro-dss", "DSS", "gro"),
    }


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(offices, tmp_path):
    rows = [
        HEADER,
        VALID_ROWS[0],
        ["NOPE", "a1", "A One", "", "", "", "", "focal_point"],
        ["CLOSED", "a2", "A Two", "", "", "", "", "focal_point"],
        ["DSS", "a3", "A Three", "", "", "", "", "chief"],
        ["DSS", "a4", "A Four", "", "Grand Vizier", "", "", "focal_point"],
        ["MOSW", "a5", "A Five", "Deputy Secretary", "deputy-secretary", "", "", "gro"],
        ["DSS", "a6", "A Six", "", "", "", "not-an-email", "focal_point"],
        ["DSS", "a7", "A Seven", "", "", "12345", "", "focal_point"],
        ["DSS", "bad name!", "A Eight", "", "", "", "", "focal_point"],
        ["DSS", "a9", "", "", "", "", "", "focal_point"],
        ["MOSW", "gro-mosw", "Farhana Akter", "", "Joint Secretary", "", "", "Grievance Redress Officer"],
        ["DSS", "gro-mosw", "Someone Else", "", "", "", "", "focal_point"],
    ]
    path = write_csv(tmp_path / "gros.csv", rows)
    counts = (User.objects.count(), Appointment.objects.count())

    report = gro_import(file=path, actor=None, dry_run=False)

    assert not report.valid and not report.applied
    assert (User.objects.count(), Appointment.objects.count()) == counts
    reasons = {row.line: " ".join(row.reasons) for row in report.rows}
    assert reasons[2] == ""
    assert "No office has the code NOPE" in reasons[3]
    assert "Office CLOSED is not active" in reasons[4]
    assert "Unknown role “chief”" in reasons[5]
    assert "Unknown rank “Grand Vizier”" in reasons[6]
    assert "must be Joint Secretary or above" in reasons[7]
    assert "“not-an-email” is not a valid e-mail address" in reasons[8]
    assert "Phone number “12345”" in reasons[9]
    assert "valid username" in reasons[10]
    assert "The full name is missing" in reasons[11]
    assert "Line 2 already appoints this person to this role at this office" in reasons[12]
    assert "Line 2 gives gro-mosw another full name" in reasons[13]
    assert [row.line for row in report.errors] == list(range(3, 14))
    assert report.totals["error"] == 11


def test_a_header_without_the_required_columns_is_reported_once(offices):
    rows = [["office_code", "username", "full_name", "designation", "rank"], *(row[:5] for row in VALID_ROWS)]

    report = gro_import(rows=rows, actor=None, dry_run=False)

    assert len(report.rows) == 1
    row = report.rows[0]
    assert row.line == 1 and row.outcome == "error"
    assert "lacks the column(s) phone, email, role" in row.reasons[0]
    assert not User.objects.filter(username__in=["gro-mosw", "appeal-mosw", "gro-dss"]).exists()


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(offices):
    report = gro_import(rows=[HEADER, *VALID_ROWS], actor=None, dry_run=True)

    assert report.valid and report.dry_run and not report.applied
    assert [row.outcome for row in report.rows] == ["created"] * 3
    assert not User.objects.exists()
    assert not Appointment.objects.exists()


def test_importing_the_same_list_again_changes_nothing(offices, tmp_path):
    path = write_csv(tmp_path / "gros.csv", [HEADER, *VALID_ROWS], bom=False)
    gro_import(file=path, actor=None, dry_run=False)
    before = list(Appointment.objects.order_by("pk").values_list("pk", "designation", "rank_id", "start_date"))

    again = gro_import(file=path, actor=None, dry_run=False)

    assert [row.outcome for row in again.rows] == ["unchanged"] * 3
    assert again.totals == {"created": 0, "updated": 0, "unchanged": 3, "error": 0}
    assert list(Appointment.objects.order_by("pk").values_list("pk", "designation", "rank_id", "start_date")) == before
    assert User.objects.count() == 3


def test_a_changed_designation_or_name_is_an_update_of_that_row_only(offices):
    gro_import(rows=[HEADER, *VALID_ROWS], actor=None, dry_run=False)
    changed = [list(row) for row in VALID_ROWS]
    changed[0][3] = "Joint Secretary (Programmes)"
    changed[2][2] = "Nasrin Sultana Chowdhury"

    report = gro_import(rows=[HEADER, *changed], actor=None, dry_run=False)

    assert [row.outcome for row in report.rows] == ["updated", "unchanged", "updated"]
    assert report.rows[0].changes == ["designation"]
    assert report.rows[2].changes == ["full name"]
    assert Appointment.objects.get(user__username="gro-mosw").designation == "Joint Secretary (Programmes)"
    assert User.objects.get(username="gro-dss").full_name == "Nasrin Sultana Chowdhury"
    assert Appointment.objects.count() == 3


def test_a_gro_below_the_minimum_rank_is_imported_once_the_office_has_an_exception(offices):
    rows = [HEADER, ["MOSW", "gro-mosw", "Farhana Akter", "Deputy Secretary", "Deputy Secretary", "", "", "gro"]]
    refused = gro_import(rows=rows, actor=None, dry_run=False)
    assert "must be Joint Secretary or above" in refused.rows[0].reasons[0]

    gro_rank_exception_grant(
        office=offices["MOSW"], reason="No Joint Secretary posted until June.", actor=UserFactory()
    )
    report = gro_import(rows=rows, actor=None, dry_run=False)

    assert report.applied and report.rows[0].outcome == "created"
    assert Appointment.objects.get(user__username="gro-mosw").rank.code == "deputy-secretary"


def test_the_command_prints_each_row_and_the_totals(offices, tmp_path, capsys):
    path = write_csv(tmp_path / "gros.csv", [HEADER, *VALID_ROWS])

    call_command("import_gros", str(path))

    out = capsys.readouterr().out
    assert "2\tcreated\tgro-mosw\tMOSW\tgro" in out
    assert "4\tcreated\tgro-dss\tDSS\tgro" in out
    assert "Created: 3, updated: 0, unchanged: 0, with errors: 0." in out
    assert Appointment.objects.count() == 3


def test_the_command_dry_run_writes_nothing(offices, tmp_path, capsys):
    path = write_csv(tmp_path / "gros.csv", [HEADER, *VALID_ROWS])

    call_command("import_gros", str(path), "--dry-run")

    out = capsys.readouterr().out
    assert "2\tcreated\tgro-mosw\tMOSW\tgro" in out
    assert "Nothing written. Would create: 3, update: 0, leave unchanged: 0; with errors: 0." in out
    assert "Dry run: every row is valid; nothing was written." in out
    assert not User.objects.exists() and not Appointment.objects.exists()


def test_the_command_fails_on_a_bad_row_and_says_nothing_was_written(offices, tmp_path, capsys):
    path = write_csv(tmp_path / "gros.csv", [HEADER, VALID_ROWS[0], ["NOPE", "x", "X", "", "", "", "", "gro"]])

    with pytest.raises(CommandError, match="1 row has errors; nothing was written"):
        call_command("import_gros", str(path))

    assert "3\terror\tx\tNOPE\tgro\tNo office has the code NOPE." in capsys.readouterr().out
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\n \n", "The file is empty."),
        (",".join(HEADER).encode() + b"\n", "The file has no rows below its header."),
        (b"\xff\xfeo\x00f\x00f\x00", "neither UTF-8 text nor an XLSX workbook"),
        (b"PK\x03\x04 not really a workbook", "This workbook cannot be read"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel (.xls) workbook"),
    ],
)
def test_the_command_explains_a_file_it_cannot_use(offices, tmp_path, content, message):
    path = tmp_path / "gros.csv"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_gros", str(path))


def test_the_command_explains_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_gros", str(tmp_path / "missing.csv"))
