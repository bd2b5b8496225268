"""GRO lists from ministries (CSV or XLSX): check every row, then apply all of them or none.

A list has a header row naming the columns in ``COLUMNS`` (any case and order). Each row appoints
one person to one role at one office. The row describes the appointment, so an empty designation
or rank clears it; an empty e-mail or phone leaves the person's current one alone, because a list
that omits contact details must not wipe what an administrator entered.
"""

import csv
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import openpyxl
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from grs import errors
from grs.phones import InvalidPhone, normalise_phone
from offices.models import Appointment, Office, Rank, Role
from offices.services import RankTooLow, appointment_create, check_gro_rank

User = get_user_model()
logger = logging.getLogger(__name__)

COLUMNS = ("office_code", "username", "full_name", "designation", "rank", "phone", "email", "role")
# A list is a few hundred rows; the bounds keep a runaway sheet from filling memory.
MAX_ROWS = 10_000
MAX_BYTES = 10 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class ImportFileError(errors.ValidationError):
    code = "import_file_invalid"


class Outcome(models.TextChoices):
    CREATED = "created", gettext_lazy("created")
    UPDATED = "updated", gettext_lazy("updated")
    UNCHANGED = "unchanged", gettext_lazy("unchanged")
    ERROR = "error", gettext_lazy("error")


@dataclass
class RowReport:
    """What happened (or, in a dry run, would happen) to one line of the file."""

    line: int
    username: str = ""
    office: str = ""
    role: str = ""
    outcome: Outcome = Outcome.ERROR
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowReport]
    dry_run: bool = False
    applied: bool = False

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[RowReport]:
        return [row for row in self.rows if row.outcome == Outcome.ERROR]

    @property
    def totals(self) -> dict[str, int]:
        return {outcome.value: sum(row.outcome == outcome for row in self.rows) for outcome in Outcome}

    def summary(self) -> str:
        if self.applied:
            text = _("Created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d, with errors: %(error)d.")
        else:
            text = _(
                "Nothing written. Would create: %(created)d, update: %(updated)d, leave unchanged: %(unchanged)d; "
                "with errors: %(error)d."
            )
        return text % self.totals


@dataclass
class _Person:
    """A person's details as the file gives them; the first line naming them is where a clash is reported."""

    full_name: str
    email: str
    phone: str
    line: int


@dataclass
class _Plan:
    report: RowReport
    username: str
    office: Office
    role: str
    designation: str
    rank: Rank | None


# --- Reading -------------------------------------------------------------------------------------


def read_table(file: str | os.PathLike | BinaryIO) -> list[tuple[int, list[str]]]:
    """The file's non-blank rows as ``(line, cells)``; an XLSX is recognised by its content, not its name."""
    if isinstance(file, str | os.PathLike):
        try:
            with Path(file).open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except FileNotFoundError as exc:
            raise ImportFileError(_("There is no file %(name)s.") % {"name": file}) from exc
        except OSError as exc:
            raise ImportFileError(_("The file %(name)s cannot be read.") % {"name": file}) from exc
    else:
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(max)d MB; split it.") % {"max": MAX_BYTES // 2**20})
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(XLS_MAGIC):
        raise ImportFileError(_("This is an old Excel (.xls) workbook; save it as .xlsx or as CSV UTF-8."))
    rows = _xlsx_rows(data) if data.startswith(XLSX_MAGIC) else _csv_rows(data)
    table = []
    for line, row in enumerate(rows, start=1):
        cells = [_text(value) for value in row]
        if any(cells):
            table.append((line, cells))
            if len(table) > MAX_ROWS + 1:
                raise ImportFileError(_("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS})
    if not table:
        raise ImportFileError(_("The file is empty."))
    return table


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The file is neither UTF-8 text nor an XLSX workbook; save it as “CSV UTF-8” or .xlsx.")
        ) from exc
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc


def _xlsx_rows(data: bytes):
    workbook = None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    # A damaged or non-spreadsheet ZIP makes openpyxl raise many kinds of errors; all mean the same to the user.
    except Exception as exc:
        raise ImportFileError(_("This workbook cannot be read; save it again as .xlsx or as CSV UTF-8.")) from exc
    finally:
        if workbook is not None:
            workbook.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    # Spreadsheets store codes and phone numbers typed as digits as floats.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").casefold().split())


# --- Checking ------------------------------------------------------------------------------------


def _role_lookup() -> dict[str, str]:
    """Role values and labels (in English and in the active language) to the role value."""
    lookup = {}
    for value, label in Role.choices:
        lookup[_key(value)] = value
        lookup[_key(str(label))] = value
        with translation.override("en"):
            lookup[_key(str(label))] = value
    return lookup


def _rank_lookup() -> dict[str, Rank]:
    lookup = {}
    for rank in Rank.objects.all():
        for name in (rank.name_bn, rank.name_en, rank.code):
            lookup[name.strip().casefold()] = rank
    return lookup


def _field_errors(model: type[models.Model], name: str, value: str) -> list[str]:
    model_field = model._meta.get_field(name)
    try:
        model_field.run_validators(value)
    except DjangoValidationError as exc:
        return [f"{model_field.verbose_name}: {message}" for message in exc.messages]
    return []


@dataclass
class _Lookups:
    offices: dict[str, Office]
    roles: dict[str, str]
    ranks: dict[str, Rank]


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Where each column is, and which required ones are missing."""
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault("_".join(name.casefold().split()), index)
    return columns, [name for name in COLUMNS if name not in columns]


def _check_row(report: RowReport, record: dict[str, str], lookups: _Lookups) -> tuple[_Plan | None, _Person]:
    """Add this row's problems to ``report.reasons``; the plan to apply it when it has none."""
    reasons = report.reasons
    username, full_name = record["username"], record["full_name"]
    if not username:
        reasons.append(_("The username is missing."))
    else:
        reasons.extend(_field_errors(User, "username", username))
    if not full_name:
        reasons.append(_("The full name is missing."))
    reasons.extend(_field_errors(User, "full_name", full_name))
    reasons.extend(_field_errors(Appointment, "designation", record["designation"]))

    code = record["office_code"]
    office = lookups.offices.get(code)
    if not code:
        reasons.append(_("The office code is missing."))
    elif office is None:
        reasons.append(_("No office has the code %(code)s.") % {"code": code})
    elif not office.active:
        reasons.append(_("Office %(code)s is not active.") % {"code": code})

    role = lookups.roles.get(_key(record["role"]))
    if not record["role"]:
        reasons.append(_("The role is missing."))
    elif role is None:
        reasons.append(
            _("Unknown role “%(role)s”; use one of %(roles)s.")
            % {"role": record["role"], "roles": ", ".join(Role.values)}
        )
    else:
        report.role = role

    rank = lookups.ranks.get(record["rank"].casefold()) if record["rank"] else None
    if record["rank"] and rank is None:
        reasons.append(_("Unknown rank “%(rank)s”.") % {"rank": record["rank"]})
    elif role == Role.GRO and office is not None:
        try:
            check_gro_rank(office=office, rank=rank)
        except RankTooLow as exc:
            reasons.append(str(exc))

    email = User.objects.normalize_email(record["email"])
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            email = ""
            reasons.append(_("“%(email)s” is not a valid e-mail address.") % {"email": record["email"]})
    phone = ""
    if record["phone"]:
        try:
            phone = normalise_phone(record["phone"])
        except InvalidPhone as exc:
            reasons.append(_("Phone number “%(phone)s”: %(problem)s") % {"phone": record["phone"], "problem": exc})

    person = _Person(full_name=full_name, email=email, phone=phone, line=report.line)
    if reasons or office is None or role is None:
        return None, person
    plan = _Plan(
        report=report, username=username, office=office, role=role, designation=record["designation"], rank=rank
    )
    return plan, person


def _check_across_rows(report: RowReport, person: _Person, people: dict[str, _Person], seen: dict) -> None:
    """A file may name a person on several lines, but only with the same details, and each role once per office."""
    identity = (report.username, report.office, report.role)
    if all(identity) and identity in seen:
        report.reasons.append(
            _("Line %(line)d already appoints this person to this role at this office.") % {"line": seen[identity]}
        )
    seen.setdefault(identity, report.line)
    if not report.username:
        return
    known = people.setdefault(report.username, person)
    for name, label in (("full_name", _("full name")), ("email", _("e-mail")), ("phone", _("phone"))):
        ours, theirs = getattr(person, name), getattr(known, name)
        if ours and theirs and ours != theirs:
            report.reasons.append(
                _("Line %(line)d gives %(username)s another %(field)s.")
                % {"line": known.line, "username": report.username, "field": label}
            )
        elif ours and not theirs:
            setattr(known, name, ours)


def _check(table: list[tuple[int, list[str]]]) -> tuple[ImportReport, list[_Plan], dict[str, _Person]]:
    (header_line, header), *body = table
    columns, missing = _columns(header)
    if missing:
        reason = _("The header lacks the column(s) %(missing)s; it must name %(columns)s.") % {
            "missing": ", ".join(missing),
            "columns": ", ".join(COLUMNS),
        }
        return ImportReport(rows=[RowReport(line=header_line, reasons=[reason])]), [], {}

    records = []
    for line, cells in body:
        record = {name: cells[index] if index < len(cells) else "" for name, index in columns.items()}
        record["office_code"] = record["office_code"].upper()
        record["username"] = User.normalize_username(record["username"])
        records.append((line, record))
    lookups = _Lookups(
        offices={o.code: o for o in Office.objects.filter(code__in={r["office_code"] for _line, r in records})},
        roles=_role_lookup(),
        ranks=_rank_lookup(),
    )
    rows: list[RowReport] = []
    plans: list[_Plan] = []
    people: dict[str, _Person] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for line, record in records:
        report = RowReport(line=line, username=record["username"], office=record["office_code"], role=record["role"])
        rows.append(report)
        plan, person = _check_row(report, record, lookups)
        _check_across_rows(report, person, people, seen)
        if plan is not None and not report.reasons:
            plans.append(plan)
    _predict(plans, people)
    return ImportReport(rows=rows), plans, people


def _user_changes(user, person: _Person) -> list[str]:
    return [str(User._meta.get_field(name).verbose_name) for name in _changed_details(user, person)]


def _changed_details(user, person: _Person) -> list[str]:
    return [
        name
        for name in ("full_name", "email", "phone")
        if getattr(person, name) and getattr(user, name) != getattr(person, name)
    ]


def _predict(plans: list[_Plan], people: dict[str, _Person]) -> None:
    """Set each row's outcome from what is stored now; a person's own changes count on their first row."""
    users = {u.username: u for u in User.objects.filter(username__in=people)}
    current = {
        (a.user_id, a.office_id, a.role): a for a in Appointment.objects.current().filter(user__in=list(users.values()))
    }
    counted: set[str] = set()
    for plan in plans:
        user = users.get(plan.username)
        changes = []
        if user is not None and plan.username not in counted:
            changes = _user_changes(user, people[plan.username])
        counted.add(plan.username)
        appointment = current.get((user.pk, plan.office.pk, plan.role)) if user is not None else None
        if appointment is None:
            plan.report.outcome, plan.report.changes = Outcome.CREATED, changes
            continue
        if appointment.designation != plan.designation:
            changes.append(str(Appointment._meta.get_field("designation").verbose_name))
        if appointment.rank_id != (plan.rank.pk if plan.rank else None):
            changes.append(str(Appointment._meta.get_field("rank").verbose_name))
        plan.report.outcome = Outcome.UPDATED if changes else Outcome.UNCHANGED
        plan.report.changes = changes


# --- Applying ------------------------------------------------------------------------------------


def _apply(plans: list[_Plan], people: dict[str, _Person], *, actor) -> None:
    users: dict[str, Any] = {}
    for plan in plans:
        user = users.get(plan.username)
        if user is None:
            user = _user_ensure(username=plan.username, person=people[plan.username])
            users[plan.username] = user
        appointment_create(
            user=user, office=plan.office, role=plan.role, designation=plan.designation, rank=plan.rank, actor=actor
        )


def _user_ensure(*, username: str, person: _Person):
    """The user with this username, created without a usable password when missing (they sign in by SSO
    or get a password from an administrator), with name and contact details brought up to date."""
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        return User.objects.create_user(
            username=username, email=person.email, password=None, full_name=person.full_name, phone=person.phone
        )
    changed = _changed_details(user, person)
    if changed:
        for name in changed:
            setattr(user, name, getattr(person, name))
        user.save(update_fields=changed)
    return user


def gro_import(
    *,
    rows: Sequence[Sequence[Any]] | None = None,
    file: str | os.PathLike | BinaryIO | None = None,
    actor: User | None,  # type: ignore[valid-type]
    dry_run: bool,
) -> ImportReport:
    """Check every row of a GRO list (``rows``: header first, or a CSV/XLSX ``file``) and, when all are
    valid and this is no dry run, create the users and appointments in one transaction."""
    if (rows is None) == (file is None):
        raise TypeError("gro_import takes either rows or file.")
    if file is not None:
        table = read_table(file)
    else:
        table = [(line, [_text(v) for v in row]) for line, row in enumerate(rows, start=1) if any(map(_text, row))]
    if len(table) < 2:
        raise ImportFileError(_("The file has no rows below its header."))
    with transaction.atomic():
        report, plans, people = _check(table)
        report.dry_run = dry_run
        if report.valid and not dry_run:
            _apply(plans, people, actor=actor)
            report.applied = True
    logger.info(
        "GRO list %s by user %s: %s",
        "applied" if report.applied else "checked",
        getattr(actor, "pk", None),
        report.totals,
    )
    return report


def error_count_message(report: ImportReport) -> str:
    """The one-line refusal that the command and the admin page both show."""
    count = len(report.errors)
    return ngettext(
        "%(count)d row has errors; nothing was written.", "%(count)d rows have errors; nothing was written.", count
    ) % {"count": count}
