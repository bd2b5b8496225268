from django.conf import settings
from django.contrib.auth import views as auth_views

from accounts.sso import sso_enabled


class SignInView(auth_views.LoginView):
    """Username and password, and — when configured — a button for the government sign-on."""

    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = sso_enabled()
        context["sso_provider"] = settings.OIDC_PROVIDER_NAME
        return context
