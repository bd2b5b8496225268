"""Reads of offices and geography. Offices and charters are public, so these need no user."""

import unicodedata

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from offices.models import AdminUnit, Office


def offices_public() -> QuerySet[Office]:
    """Active offices with what every list shows of them, in tree order."""
    return Office.objects.active().select_related("parent", "admin_unit").order_by("path")


def office_public(code: str) -> Office:
    """One active office by code; a missing or inactive one is a 404."""
    code = code.strip().upper()
    office = offices_public().filter(code=code).first()
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


def admin_units(level: str, parent: AdminUnit | None = None) -> QuerySet[AdminUnit]:
    units = AdminUnit.objects.filter(level=level)
    if parent is not None:
        units = units.filter(parent=parent)
    return units.order_by("name_en")
