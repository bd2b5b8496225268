"""Changes to categories, programmes and citizen charters.

The ``*_ensure`` services make seeding and imports repeatable: each finds its row by a natural
key, creates it when missing and otherwise writes only the fields that differ.
"""

from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from charters.models import Charter, CharterService, Programme, ServiceCategory
from grs import errors
from offices.models import Office

M = TypeVar("M", bound=models.Model)


def _check_days(field: str, days: int | None) -> None:
    if days is not None and days < 1:
        raise errors.ValidationError(_("A timeframe is at least one working day."), field=field)


def _ensure(model: type[M], *, lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """The row matching ``lookup``, created with ``values`` or brought up to date with them."""
    row = model.objects.select_for_update().filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values)
    changed = []
    for name, value in values.items():
        field = model._meta.get_field(name)
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
    return row


@transaction.atomic
def category_ensure(*, slug: str, name_en: str, name_bn: str, order: int) -> ServiceCategory:
    """The service category with this slug, created or updated to these names and order."""
    return _ensure(
        ServiceCategory, lookup={"slug": slug}, values={"name_en": name_en, "name_bn": name_bn, "order": order}
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
    )


@transaction.atomic
def charter_ensure(
    *, office: Office, gro_timeframe_days: int | None = None, appeal_timeframe_days: int | None = None
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
    return _ensure(Charter, lookup={"office": office}, values=values)


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
    )
