"""Everything under /api/v1/: the contract the mobile app and UDC tablets rely on."""

from django.urls import include, path

from grievances.sms_api import SmsInboundApi

urlpatterns = [
    path("auth/", include("accounts.api_urls")),
    path("", include("offices.api_urls")),
    path("", include("charters.api_urls")),
    path("", include("grievances.api_urls")),
    path("", include("dashboards.api_urls")),
    path("citizen/", include("citizens.api_urls")),
    path("sms/inbound/", SmsInboundApi.as_view(), name="api-sms-inbound"),
]
