"""Single sign-on for officials through OpenID Connect: a government SSO such as Nothi.

The provider vouches for who someone is; GRS decides who they are *here*. A signed-in identity is
matched to an existing official by a stable identifier (the ``OIDC_USER_CLAIM`` claim, ``sub`` by
default, against ``User.sso_subject``), never by name or e-mail, which change and are reused. No
account is ever created from a sign-on: an official is appointed first, then given their ID.
"""

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

log = logging.getLogger(__name__)

REQUIRED_SETTINGS = (
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)

# Why a sign-on was refused, in words the official can act on.
REFUSALS = {
    "unknown": _(
        "You signed in with %(provider)s, but no GRS account carries your sign-on ID. "
        "Ask your office's administrator to add it to your account, then try again."
    ),
    "no_identifier": _("%(provider)s did not tell GRS who you are, so you cannot be signed in. Ask its administrator."),
    "disabled": _("Your GRS account is disabled. Ask your office's administrator."),
    "cancelled": _("Signing in with %(provider)s was cancelled."),
    "expired": _("That sign-in link has expired or was already used. Please start again."),
    "unreachable": _("%(provider)s did not answer. Try again in a moment, or sign in with your GRS password."),
    "failed": _("Signing in with %(provider)s failed. Please try again."),
}


def sso_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def _refuse(request, reason: str) -> None:
    """Remember on the request why the sign-on failed; the callback view tells the official."""
    if not hasattr(request, "grs_sso_refusal"):
        request.grs_sso_refusal = reason


class OfficialSignOnBackend(OIDCAuthenticationBackend):
    """Signs in the one existing official whose single sign-on ID equals the provider's claim."""

    def _subject(self, claims: dict) -> str:
        value = claims.get(settings.OIDC_USER_CLAIM)
        return str(value).strip() if value not in (None, "") else ""

    def verify_claims(self, claims: dict) -> bool:
        if self._subject(claims):
            return True
        _refuse(self.request, "no_identifier")
        return False

    def filter_users_by_claims(self, claims: dict):
        users = self.UserModel.objects.filter(sso_subject=self._subject(claims))
        if not users:
            _refuse(self.request, "unknown")
            log.warning("Sign-on refused: no official has sign-on ID %r", self._subject(claims))
        return users

    def describe_user_by_claims(self, claims: dict) -> str:
        return f"sign-on ID {self._subject(claims)!r}"

    def update_user(self, user, claims: dict):
        if not user.is_active:
            _refuse(self.request, "disabled")
        return user

    def create_user(self, claims: dict):
        # OIDC_CREATE_USER is off; this guards against it being switched on by mistake.
        raise SuspiciousOperation("GRS never creates accounts from a sign-on")


def sso_start(request):
    """Send the official to the provider's sign-in page (with state, nonce and PKCE)."""
    if not sso_enabled():
        raise Http404
    return OIDCAuthenticationRequestView.as_view()(request)


class _Callback(OIDCAuthenticationCallbackView):
    def get(self, request):
        if request.GET.get("error"):
            _refuse(request, "cancelled")
        elif request.GET.get("state") not in request.session.get("oidc_states", {}):
            # Not a sign-in this browser started: a reused or stale link, or a forged one.
            _refuse(request, "expired")
        try:
            return super().get(request)
        except SuspiciousOperation:
            _refuse(request, "expired")
        except requests.HTTPError as exc:
            # The provider answered but refused the exchange: a wrong client secret, say.
            log.error("Sign-on provider refused the code exchange: %s", exc)
            _refuse(request, "failed")
        except requests.RequestException as exc:
            log.warning("Sign-on provider unreachable: %s", exc)
            _refuse(request, "unreachable")
        return self.login_failure()

    def login_failure(self):
        reason = getattr(self.request, "grs_sso_refusal", "failed")
        messages.error(self.request, REFUSALS[reason] % {"provider": settings.OIDC_PROVIDER_NAME})
        return redirect(settings.LOGIN_URL)


def sso_callback(request):
    """Where the provider sends the official back: sign them in, or say why not."""
    if not sso_enabled():
        raise Http404
    return _Callback.as_view()(request)
