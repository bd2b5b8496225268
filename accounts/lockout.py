"""What someone sees once repeated failed sign-ins have locked them out (django-axes)."""

import math

from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def not_a_password_attempt(request, credentials=None) -> bool:
    """Lockouts guard passwords. A single sign-on comes back with no username (the provider checked
    the password); counting its failures would lock out every official behind the same address."""
    return not (credentials or {}).get("username")


def lockout_message(cool_off) -> str:
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0
    if not minutes:
        return _("Too many failed sign-ins. Ask your administrator to unlock your account.")
    # One sentence per message, so translators can order it as their language needs.
    return ngettext(
        "Too many failed sign-ins. Wait %(minutes)d minute before trying again, or ask your administrator to unlock your account.",  # noqa: E501
        "Too many failed sign-ins. Wait %(minutes)d minutes before trying again, or ask your administrator to unlock your account.",  # noqa: E501
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """429 with a message in the reader's language: JSON for the API, the sign-in page otherwise."""
    cool_off = get_cool_off(request)
    message = lockout_message(cool_off)
    headers = {"Retry-After": str(int(cool_off.total_seconds()))} if cool_off else {}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=429, headers=headers)
    response = render(request, "accounts/locked.html", {"message": message}, status=429)
    for name, value in headers.items():
        response[name] = value
    return response
