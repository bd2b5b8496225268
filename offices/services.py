"""Every change to offices, appointments and GRO rank exceptions goes through here, and each one that
changes something writes an audit entry (who, when, the fields before and after) in its transaction.
``actor`` is None for changes no person made (seeding, the pilot simulation)."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Action, audit_record, audited_delete, changed_fields, snapshot
from grs import errors
from offices.models import (
    PATH_ALPHABET,
    PATH_STEP,
    AdminUnit,
    Appointment,
    GroRankException,
    GroRankRule,
    Office,
    Rank,
    Role,
)

User = get_user_model()


class OfficeError(errors.ValidationError):
    code = "office_invalid"


class RankTooLow(errors.ValidationError):
    code = "gro_rank_too_low"


def _encode_step(number: int) -> str:
    digits = []
    for _i in range(PATH_STEP):
        number, rest = divmod(number, len(PATH_ALPHABET))
        digits.append(PATH_ALPHABET[rest])
    if number:
        raise OfficeError(_("This office has too many sub-offices."))
    return "".join(reversed(digits))


def _decode_step(step: str) -> int:
    value = 0
    for char in step:
        value = value * len(PATH_ALPHABET) + PATH_ALPHABET.index(char)
    return value


def _next_child_path(parent: Office | None) -> str:
    """The path for a new last child of ``parent`` (or a new root). Callers hold the parent's lock."""
    if parent is None:
        siblings = Office.objects.filter(depth=1)
        prefix = ""
    else:
        siblings = Office.objects.filter(parent=parent)
        prefix = parent.path
    last = siblings.aggregate(last=Max("path"))["last"]
    number = _decode_step(last[-PATH_STEP:]) + 1 if last else 1
    return prefix + _encode_step(number)


@transaction.atomic
def office_create(
    *,
    code: str,
    name_en: str,
    name_bn: str,
    layer: str,
    parent: Office | None = None,
    admin_unit: AdminUnit | None = None,
    active: bool = True,
    actor: User | None = None,  # type: ignore[valid-type]
) -> Office:
    """Create an office as the last child of ``parent`` (or at the top layer)."""
    code = code.strip().upper()
    if not code:
        raise OfficeError(_("Every office needs a code."), field="code")
    if layer not in Office.Layer.values:
        raise OfficeError(_("Unknown layer “%(layer)s”.") % {"layer": layer}, field="layer")
    if Office.objects.filter(code=code).exists():
        raise OfficeError(_("An office with code %(code)s exists already.") % {"code": code}, field="code")
    if parent is not None:
        parent = Office.objects.select_for_update().get(pk=parent.pk)
    path = _next_child_path(parent)
    office = Office.objects.create(
        code=code,
        name_en=name_en.strip(),
        name_bn=name_bn.strip(),
        layer=layer,
        parent=parent,
        path=path,
        depth=len(path) // PATH_STEP,
        admin_unit=admin_unit,
        active=active,
    )
    audit_record(actor=actor, action=Action.CREATED, obj=office, after=snapshot(office))
    return office


@transaction.atomic
def office_ensure(
    *,
    code: str,
    name_en: str,
    name_bn: str,
    layer: str,
    parent: Office | None = None,
    admin_unit: AdminUnit | None = None,
    actor: User | None = None,  # type: ignore[valid-type]
) -> Office:
    """The office with this code, created if missing and its names and area brought up to date.

    Used by seeding and imports so that running them again changes nothing. An existing office
    under another parent is refused rather than silently moved.
    """
    office = Office.objects.select_for_update().filter(code=code.strip().upper()).first()
    if office is None:
        return office_create(
            code=code, name_en=name_en, name_bn=name_bn, layer=layer, parent=parent, admin_unit=admin_unit, actor=actor
        )
    if office.parent_id != (parent.pk if parent else None):
        raise OfficeError(
            _("Office %(code)s exists under another parent; move it explicitly.") % {"code": office.code},
            field="parent",
        )
    changed = {"name_en": name_en.strip(), "name_bn": name_bn.strip(), "layer": layer, "admin_unit": admin_unit}
    if any(getattr(office, k) != v for k, v in changed.items()):
        before = snapshot(office)
        for k, v in changed.items():
            setattr(office, k, v)
        office.save(update_fields=list(changed))
        audit_record(actor=actor, action=Action.CHANGED, obj=office, before=before, after=snapshot(office))
    return office


@transaction.atomic
def office_update(
    *,
    office: Office,
    actor: User | None,  # type: ignore[valid-type]
    name_en: str,
    name_bn: str,
    layer: str,
    admin_unit: AdminUnit | None = None,
    active: bool = True,
) -> Office:
    """Rename an office, change its layer or area, or open and close it to new grievances. Its code and
    place in the tree stay: codes are a contract, and a move must rewrite the whole subtree's paths."""
    if layer not in Office.Layer.values:
        raise OfficeError(_("Unknown layer “%(layer)s”.") % {"layer": layer}, field="layer")
    locked = Office.objects.select_for_update().get(pk=office.pk)
    before = snapshot(locked)
    values = {
        "name_en": name_en.strip(),
        "name_bn": name_bn.strip(),
        "layer": layer,
        "admin_unit": admin_unit,
        "active": active,
    }
    for name, value in values.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(values))
    audit_record(actor=actor, action=Action.CHANGED, obj=locked, before=before, after=snapshot(locked))
    return locked


def gro_minimum_rank(office: Office) -> Rank | None:
    """The lowest rank a GRO of this office may hold, or None when the office has an exception or no rule."""
    if GroRankException.objects.filter(office=office).exists():
        return None
    rule = GroRankRule.objects.select_related("minimum_rank").filter(layer=office.layer).first()
    return rule.minimum_rank if rule else None


def check_gro_rank(*, office: Office, rank: Rank | None) -> None:
    """Refuse a GRO whose rank is below the minimum for the office's layer (unless excepted)."""
    minimum = gro_minimum_rank(office)
    if minimum is None:
        return
    if rank is None or not rank.meets(minimum):
        raise RankTooLow(
            _(
                "A GRO at %(office)s must be %(minimum)s or above; %(rank)s is below that. "
                "An administrator may record an exception for this office, with the reason."
            )
            % {"office": office.code, "minimum": minimum.name_en, "rank": rank.name_en if rank else _("no rank")},
            field="rank",
        )


@transaction.atomic
def appointment_create(
    *,
    user: User,  # type: ignore[valid-type]
    office: Office,
    role: str,
    designation: str = "",
    rank: Rank | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    actor: User | None = None,  # type: ignore[valid-type]
) -> Appointment:
    """Appoint ``user`` to ``role`` at ``office``; an identical current appointment is returned unchanged."""
    start_date = start_date or timezone.localdate()
    _check_appointment(office=office, role=role, rank=rank, start_date=start_date, end_date=end_date)
    existing = Appointment.objects.current().filter(user=user, office=office, role=role).first()
    if existing is not None:
        changed = {"designation": designation, "rank": rank}
        if any(getattr(existing, k) != v for k, v in changed.items()):
            before = snapshot(existing)
            for k, v in changed.items():
                setattr(existing, k, v)
            existing.save(update_fields=list(changed))
            audit_record(actor=actor, action=Action.CHANGED, obj=existing, before=before, after=snapshot(existing))
        return existing
    appointment = Appointment.objects.create(
        user=user,
        office=office,
        role=role,
        designation=designation,
        rank=rank,
        start_date=start_date,
        end_date=end_date,
    )
    audit_record(actor=actor, action=Action.CREATED, obj=appointment, after=snapshot(appointment))
    return appointment


def _check_appointment(
    *, office: Office, role: str, rank: Rank | None, start_date: date, end_date: date | None
) -> None:
    """Refuse an unknown role, an end before the start, and a GRO below the office's minimum rank."""
    if role not in Role.values:
        raise errors.ValidationError(_("Unknown role “%(role)s”.") % {"role": role}, field="role")
    if end_date is not None and end_date < start_date:
        raise errors.ValidationError(_("An appointment cannot end before it starts."), field="end_date")
    if role == Role.GRO:
        check_gro_rank(office=office, rank=rank)


# What an administrator may correct on an appointment; ending it has a service of its own.
APPOINTMENT_FIELDS = ("user", "office", "role", "designation", "rank", "start_date", "end_date")


@transaction.atomic
def appointment_change(
    *,
    appointment: Appointment,
    actor: User | None,  # type: ignore[valid-type]
    **values,
) -> Appointment:
    """Correct an appointment (any of ``APPOINTMENT_FIELDS``), checked as a new one would be. When all that
    changes is that an end date is set, it is recorded as ended."""
    unknown = set(values) - set(APPOINTMENT_FIELDS)
    if unknown:
        raise TypeError(f"appointment_change cannot change {', '.join(sorted(unknown))}")
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    before = snapshot(locked)
    for name, value in values.items():
        setattr(locked, name, value)
    _check_appointment(
        office=locked.office, role=locked.role, rank=locked.rank, start_date=locked.start_date, end_date=locked.end_date
    )
    locked.save(update_fields=list(values) or None)
    after = snapshot(locked)
    ended = set(changed_fields(before, after)) == {"end_date"} and locked.end_date is not None
    audit_record(actor=actor, action=Action.ENDED if ended else Action.CHANGED, obj=locked, before=before, after=after)
    return locked


@transaction.atomic
def appointment_end(
    *,
    appointment: Appointment,
    actor: User | None,  # type: ignore[valid-type]
    end_date: date | None = None,
) -> Appointment:
    """End an appointment on ``end_date`` (today by default): the user holds the role until that day.
    Ending it again on the same day changes nothing."""
    end_date = end_date or timezone.localdate()
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.end_date == end_date:
        return locked
    if end_date < locked.start_date:
        raise errors.ValidationError(_("An appointment cannot end before it starts."), field="end_date")
    before = snapshot(locked)
    locked.end_date = end_date
    locked.save(update_fields=["end_date"])
    audit_record(actor=actor, action=Action.ENDED, obj=locked, before=before, after=snapshot(locked))
    return locked


def appointment_delete(*, appointment: Appointment, actor: User) -> None:  # type: ignore[valid-type]
    """Delete an appointment made by mistake; what it held stays in the audit trail."""
    audited_delete(obj=appointment, actor=actor)


@transaction.atomic
def gro_rank_exception_grant(*, office: Office, reason: str, actor: User) -> GroRankException:  # type: ignore[valid-type]
    """Let ``office`` appoint a GRO below its layer's minimum rank, recording who allowed it and why."""
    reason = (reason or "").strip()
    if not reason:
        raise errors.ValidationError(_("Give the reason for the exception."), field="reason")
    exception, created = GroRankException.objects.get_or_create(
        office=office, defaults={"reason": reason, "granted_by": actor}
    )
    if created:
        audit_record(actor=actor, action=Action.CREATED, obj=exception, after=snapshot(exception))
    elif exception.reason != reason:
        before = snapshot(exception)
        exception.reason = reason
        exception.granted_by = actor
        exception.granted_at = timezone.now()
        exception.save()
        audit_record(actor=actor, action=Action.CHANGED, obj=exception, before=before, after=snapshot(exception))
    return exception


def gro_rank_exception_revoke(*, exception: GroRankException, actor: User) -> None:  # type: ignore[valid-type]
    """Withdraw an office's exception: its next GRO must meet the layer's minimum rank again."""
    audited_delete(obj=exception, actor=actor)
