"""Start-up checks: a misconfigured SMS gateway is reported before the first message fails."""

from django.conf import settings
from django.core.checks import Error, register

from notifications.backends import gateway_problems


@register()
def sms_gateway_settings(app_configs, **kwargs):
    if settings.SMS_BACKEND != "http":
        return []
    return [Error(problem, id="notifications.E001") for problem in gateway_problems()]
