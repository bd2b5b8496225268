"""Reads of offices and geography, and a user's scope over the office tree.

Offices and charters are public, so their reads need no user; :func:`scope_of` says which offices' grievances
a user may see.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from offices.models import AdminUnit, Appointment, Office, Role


def offices_public() -> QuerySet[Office]:
    """Active offices with what every list shows of them, in tree order."""
    return Office.objects.active().select_related("parent", "admin_unit").order_by("path")


def office_public(code: str) -> Office:
    """One active office by code; a missing or inactive one is a 404."""
    code = code.strip().upper()
    # No code holds a NUL, and PostgreSQL refuses one in a query (a 500): it is a code that does not exist.
    office = offices_public().filter(code=code).first() if "\x00" not in code else None
    if office is None:
        raise Http404(_("No active office has the code %(code)s.") % {"code": code})
    return office


def office_search(queryset: QuerySet[Office], text: str) -> QuerySet[Office]:
    """Offices whose code, English or Bangla name contains every word of ``text``.

    Bangla can be typed in two Unicode spellings (e.g. ড় as one code point or two); names are stored
    in NFC, so the search text is brought to NFC too.
    """
    for word in unicodedata.normalize("NFC", text).split():
        queryset = queryset.filter(Q(code__icontains=word) | Q(name_en__icontains=word) | Q(name_bn__icontains=word))
    return queryset


def office_matches(text: str, *, limit: int = 20) -> tuple[list[Office], bool]:
    """Up to ``limit`` active offices matching ``text``, and whether there were more."""
    found = list(office_search(offices_public(), text)[: limit + 1])
    return found[:limit], len(found) > limit


def admin_units(level: str, parent: AdminUnit | None = None) -> QuerySet[AdminUnit]:
    units = AdminUnit.objects.filter(level=level)
    if parent is not None:
        units = units.filter(parent=parent)
    return units.order_by("name_en")


# Roles whose holders handle the grievances at their office (as opposed to watching a subtree).
HANDLING_ROLES = frozenset({Role.GRO, Role.APPEAL_OFFICER})


@dataclass(frozen=True)
class Scope:
    """Which offices' grievances a user may see, from their current appointments.

    A Cabinet Division monitor sees ``everything``; a focal point sees the subtrees under
    ``subtree_paths``; a GRO or Appeal Officer sees the offices in ``handling`` (office id → the
    handling roles held there). Operators, employees and users without an appointment see nothing here.
    """

    everything: bool = False
    subtree_paths: tuple[str, ...] = ()
    handling: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def roles_at(self, office: Office) -> frozenset[str]:
        return self.handling.get(office.pk, frozenset())

    def offices_where(self, role: str) -> list[int]:
        return sorted(pk for pk, roles in self.handling.items() if role in roles)

    def covers(self, office: Office) -> bool:
        """True when a grievance held by ``office`` is within this scope (the same rule, in memory,
        as ``grievances.selectors.grievances_visible_to`` applies in SQL)."""
        return (
            self.everything
            or office.pk in self.handling
            or any(office.path.startswith(path) for path in self.subtree_paths)
        )


def scope_of(user) -> Scope:
    """The user's scope, from their appointments current today (one query)."""
    if user is None or not user.is_authenticated:
        return Scope()
    rows = (
        Appointment.objects.current()
        .filter(user=user, role__in=[Role.CABINET_MONITOR, Role.FOCAL_POINT, *HANDLING_ROLES])
        .values_list("role", "office_id", "office__path")
    )
    everything, paths, handling = False, set(), defaultdict(set)
    for role, office_id, path in rows:
        if role == Role.CABINET_MONITOR:
            everything = True
        elif role == Role.FOCAL_POINT:
            paths.add(path)
        else:
            handling[office_id].add(role)
    # A path inside another watched subtree adds nothing but one more OR to every query.
    kept = tuple(sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))
    return Scope(
        everything=everything,
        subtree_paths=kept,
        handling={pk: frozenset(roles) for pk, roles in handling.items()},
    )
