"""``Authorization: Citizen <token>``: the API's sign-in for citizens, apart from officials' tokens.

Only the citizens' endpoints read this header, and they read nothing else: an official's token or browser
session is no citizen there, and a citizen's token is nothing to the officials' endpoints (they read only
``Token`` and the session).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from citizens.selectors import Citizen, citizen_for_token

KEYWORD = "Citizen"


class CitizenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != KEYWORD.lower().encode():
            return None
        if len(words) != 2:
            raise AuthenticationFailed(_("Send the header as “Citizen” and the token, separated by one space."))
        try:
            token = words[1].decode("ascii")
        except UnicodeError:
            token = ""
        citizen = citizen_for_token(token)
        if citizen is None:
            raise AuthenticationFailed(_("This sign-in has expired or was ended. Sign in again with a new code."))
        return citizen, None

    def authenticate_header(self, request) -> str:
        return KEYWORD


class IsCitizen(BasePermission):
    """A citizen signed in with a code; nobody else (an official included) passes."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Citizen)


class CitizenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "citizens.authentication.CitizenAuthentication"
    name = "citizenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Citizen <token>`, the token from `POST /api/v1/citizen/session/`.",
        }
