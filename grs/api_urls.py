"""Everything under /api/v1/: the contract the mobile app and UDC tablets rely on."""

from django.urls import include, path

urlpatterns = [
    path("auth/", include("accounts.api_urls")),
    path("", include("offices.api_urls")),
    path("", include("charters.api_urls")),
    path("", include("grievances.api_urls")),
    path("", include("dashboards.api_urls")),
    path("citizen/", include("citizens.api_urls")),
]
