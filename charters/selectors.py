"""Reads of citizen charters (public)."""

from django.db.models import QuerySet

from charters.models import CharterService


def services_public() -> QuerySet[CharterService]:
    """Active services of active offices, Social Protection first, with what lists show."""
    return (
        CharterService.objects.active()
        .filter(office__active=True)
        .select_related("office", "category", "programme")
        .order_by("office__path", "category__order", "name_en")
    )
