"""Changes to categories, programmes and citizen charters.

The ``*_ensure`` services make seeding and imports repeatable: each finds its row by a natural
key, creates it when missing and otherwise writes only the fields that differ. Every service that
changes something writes an audit entry (who, when, the fields before and after) in its transaction;
``actor`` is None for changes no person made (seeding).
"""

from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from audit.services import Action, audit_record, audited_delete, snapshot
from charters.models import Charter, CharterService, Programme, ServiceCategory
from grs import errors
from offices.models import Office

M = TypeVar("M", bound=models.Model)


def _check_days(field: str, days: int | None) -> None:
    if days is not None and days < 1:
        raise errors.ValidationError(_("A timeframe is at least one working day."), field=field)


def _ensure(model: type[M], *, lookup: dict[str, Any], values: dict[str, Any], actor=None) -> M:
    """The row matching ``lookup``, created with ``values`` or brought up to date with them."""
    row = model.objects.select_for_update().filter(**lookup).first()
    if row is None:
        row = model.objects.create(**lookup, **values)
        audit_record(actor=actor, action=Action.CREATED, obj=row, after=snapshot(row))
        return row
    return _update(row, values=values, actor=actor)


def _update(row: M, *, values: dict[str, Any], actor) -> M:
    """Write the ``values`` that differ from the (locked) ``row``'s, and record them."""
    before = snapshot(row)
    changed = []
    for name, value in values.items():
        field = row._meta.get_field(name)
        # Compare foreign keys by id, so that checking an unchanged row costs no extra query.
        current, wanted = (
            (getattr(row, field.attname), value.pk if value is not None else None)
            if field.is_relation
            else (getattr(row, name), value)
        )
        if current != wanted:
            setattr(row, name, value)
            changed.append(name)
    if changed:
        row.save(update_fields=changed)
        audit_record(actor=actor, action=Action.CHANGED, obj=row, before=before, after=snapshot(row))
    return row


@transaction.atomic
def category_ensure(*, slug: str, name_en: str, name_bn: str, order: int, actor=None) -> ServiceCategory:
    """The service category with this slug, created or updated to these names and order."""
    return _ensure(
        ServiceCategory,
        lookup={"slug": slug},
        values={"name_en": name_en, "name_bn": name_bn, "order": order},
        actor=actor,
    )


@transaction.atomic
def programme_ensure(
    *,
    code: str,
    name_en: str,
    name_bn: str,
    ministry: Office | None = None,
    implementing_office: str = "",
    g2p: bool = False,
    actor=None,
) -> Programme:
    """The programme with this code, created or updated to these names, ministry and G2P flag."""
    return _ensure(
        Programme,
        lookup={"code": code},
        values={
            "name_en": name_en,
            "name_bn": name_bn,
            "ministry": ministry,
            "implementing_office": implementing_office,
            "g2p": g2p,
        },
        actor=actor,
    )


@transaction.atomic
def charter_ensure(
    *,
    office: Office,
    gro_timeframe_days: int | None = None,
    appeal_timeframe_days: int | None = None,
    actor=None,
) -> Charter:
    """The office's citizen charter, created with the default GRS timeframes when missing.

    A timeframe left as None keeps what the charter publishes (the default for a new one), so an
    administrator's edit survives a re-run.
    """
    _check_days("gro_timeframe_days", gro_timeframe_days)
    _check_days("appeal_timeframe_days", appeal_timeframe_days)
    values = {}
    if gro_timeframe_days is not None:
        values["gro_timeframe_days"] = gro_timeframe_days
    if appeal_timeframe_days is not None:
        values["appeal_timeframe_days"] = appeal_timeframe_days
    return _ensure(Charter, lookup={"office": office}, values=values, actor=actor)


@transaction.atomic
def charter_service_ensure(
    *,
    office: Office,
    name_en: str,
    name_bn: str,
    category: ServiceCategory,
    programme: Programme | None = None,
    timeframe_days: int,
    g2p: bool,
    fees: str = "",
    required_documents: str = "",
    responsible_officer: str = "",
    actor=None,
) -> CharterService:
    """The service called ``name_en`` in the office's charter, created or updated to these terms."""
    _check_days("timeframe_days", timeframe_days)
    return _ensure(
        CharterService,
        lookup={"office": office, "name_en": name_en},
        values={
            "name_bn": name_bn,
            "category": category,
            "programme": programme,
            "timeframe_days": timeframe_days,
            "g2p": g2p,
            "fees": fees,
            "required_documents": required_documents,
            "responsible_officer": responsible_officer,
        },
        actor=actor,
    )


# --- The admin's edits: one row at a time, by a person ----------------------------------------------

CHARTER_FIELDS = ("office", "gro_timeframe_days", "appeal_timeframe_days", "published_on")
SERVICE_FIELDS = (
    "office",
    "name_en",
    "name_bn",
    "category",
    "programme",
    "timeframe_days",
    "g2p",
    "fees",
    "required_documents",
    "responsible_officer",
    "active",
)


def _save(model: type[M], *, row: M | None, fields: tuple[str, ...], values: dict[str, Any], actor) -> M:
    unknown = set(values) - set(fields)
    if unknown:
        raise TypeError(f"cannot set {', '.join(sorted(unknown))} on a {model._meta.model_name}")
    if row is None or row.pk is None:
        created = model.objects.create(**values)
        audit_record(actor=actor, action=Action.CREATED, obj=created, after=snapshot(created))
        return created
    return _update(model.objects.select_for_update().get(pk=row.pk), values=values, actor=actor)


@transaction.atomic
def charter_save(*, charter: Charter | None, actor, **values) -> Charter:
    """Publish an office's charter (``charter`` None) or change what it publishes (``CHARTER_FIELDS``)."""
    _check_days("gro_timeframe_days", values.get("gro_timeframe_days"))
    _check_days("appeal_timeframe_days", values.get("appeal_timeframe_days"))
    return _save(Charter, row=charter, fields=CHARTER_FIELDS, values=values, actor=actor)


@transaction.atomic
def charter_service_save(*, service: CharterService | None, actor, **values) -> CharterService:
    """Add a service to an office's charter (``service`` None) or change its terms (``SERVICE_FIELDS``)."""
    _check_days("timeframe_days", values.get("timeframe_days"))
    return _save(CharterService, row=service, fields=SERVICE_FIELDS, values=values, actor=actor)


def charter_service_delete(*, service: CharterService, actor) -> None:
    """Take a service out of the charter for good (grievances about it keep it: the database refuses)."""
    audited_delete(obj=service, actor=actor)


def charter_delete(*, charter: Charter, actor) -> None:
    """Withdraw an office's charter: its grievances fall back to the default GRS timeframes."""
    audited_delete(obj=charter, actor=actor)
