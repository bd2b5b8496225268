"""Writing the audit trail: one entry per change, in the transaction of the change it records.

Services of other apps call :func:`audit_record` with snapshots taken before and after their write;
admin pages without a service of their own save through :func:`audited_save` and
:func:`audited_delete`, which take the snapshots themselves.
"""

import datetime
import decimal
import hashlib
import uuid
from typing import Any

from django.db import models, transaction

from audit.models import AuditEntry
from audit.purge import timeline_purge
from offices.models import Office

Action = AuditEntry.Action

# Never copied into the trail, even as a before/after pair: only that they changed is kept.
SECRET_FIELDS = frozenset({"password"})
HIDDEN = "(hidden)"
# Fields that change without anybody changing the record.
IGNORED_FIELDS = frozenset({"last_login"})


def _plain(value: Any) -> Any:
    """A JSON-storable form of a field's value."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return HIDDEN
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def snapshot(obj: models.Model, *, m2m: bool = False) -> dict[str, Any]:
    """The row's concrete fields as JSON values (a foreign key as the id it holds); with ``m2m``, also its
    many-to-many fields as sorted ids (one query each). Secret fields are kept only as a fingerprint, so a
    change to them shows without revealing either value."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in IGNORED_FIELDS:
            continue
        value = getattr(obj, field.attname)
        if field.name in SECRET_FIELDS:
            values[field.name] = hashlib.sha256(str(value).encode()).hexdigest()[:12] if value else ""
        else:
            values[field.name] = _plain(value)
    if m2m and obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return values


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list]:
    """``{field: [before, after]}`` for every field whose value differs (all of them on creation or deletion)."""
    before, after = before or {}, after or {}
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            if name in SECRET_FIELDS:
                old, new = (HIDDEN if old else None), HIDDEN
            changes[name] = [old, new]
    return changes


def office_of(obj: models.Model) -> int | None:
    """The office a row belongs to, for an auditor's scope: the office itself, or the one it names."""
    if isinstance(obj, Office):
        return obj.pk
    return getattr(obj, "office_id", None)


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_id: Any = None,
    office_id: int | None = None,
) -> AuditEntry | None:
    """Record one change to ``obj`` (``before``/``after`` from :func:`snapshot`). A change that changed
    nothing records nothing and returns None. ``object_id`` and ``office_id`` name a row already deleted."""
    changes = changed_fields(before, after)
    if action == Action.CHANGED and not changes:
        return None
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(object_id if object_id is not None else obj.pk),
        object_repr=str(obj)[:200],
        office_id=office_id if office_id is not None else office_of(obj),
        changes=changes,
    )


@transaction.atomic
def audited_save(*, obj: models.Model, actor, m2m_saver=None) -> models.Model:
    """Save ``obj`` (new or changed) and record what changed. ``m2m_saver`` (e.g. a ModelForm's
    ``save_m2m``) runs after the save, so many-to-many changes are part of the same entry."""
    adding = obj._state.adding or obj.pk is None
    before = None
    if not adding:
        stored = type(obj)._base_manager.select_for_update().filter(pk=obj.pk).first()
        before = snapshot(stored, m2m=True) if stored is not None else None
    obj.save()
    if m2m_saver is not None:
        m2m_saver()
    audit_record(
        actor=actor,
        action=Action.CREATED if before is None else Action.CHANGED,
        obj=obj,
        before=before,
        after=snapshot(obj, m2m=True),
    )
    return obj


@transaction.atomic
def audited_delete(*, obj: models.Model, actor) -> None:
    """Delete ``obj`` and record what it held (as stored, whatever the instance says). Gone already: a no-op."""
    stored = type(obj)._base_manager.select_for_update().filter(pk=obj.pk).first()
    if stored is None:
        return
    before, pk, office_id = snapshot(stored, m2m=True), stored.pk, office_of(stored)
    stored.delete()
    obj.pk = None
    audit_record(actor=actor, action=Action.DELETED, obj=stored, before=before, object_id=pk, office_id=office_id)


def audit_forget(*, model: type[models.Model], ids) -> int:
    """Delete the trail of rows that were never real — the pilot's simulated officials' appointments, when
    the simulation is purged — and return how many entries went. Nothing else may forget."""
    with timeline_purge():
        deleted, _by_model = AuditEntry.objects.filter(
            object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in ids]
        ).delete()
    return deleted
