"""Start-up checks: a half-configured single sign-on is reported before anyone tries it."""

from django.conf import settings
from django.core.checks import Error, register

from accounts.sso import REQUIRED_SETTINGS, sso_enabled


@register()
def sso_settings_complete(app_configs, **kwargs):
    if not sso_enabled():
        return []
    return [
        Error(
            f"{name} is empty although OIDC_RP_CLIENT_ID is set.",
            hint="Set it from the provider's /.well-known/openid-configuration (manage.py oidc_discover <issuer>).",
            id="accounts.E001",
        )
        for name in REQUIRED_SETTINGS
        if not getattr(settings, name, "")
    ]
