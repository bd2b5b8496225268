"""Bangla and English side by side: pick the field for the active language in one place."""

from typing import Any

from django.utils.translation import get_language


def localized_name(obj: Any, field: str = "name") -> str:
    """``obj.<field>_bn`` when Bangla is active, else ``obj.<field>_en``; falls back to the other."""
    bn = getattr(obj, f"{field}_bn", "") or ""
    en = getattr(obj, f"{field}_en", "") or ""
    if (get_language() or "bn").startswith("bn"):
        return bn or en
    return en or bn
