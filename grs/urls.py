from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from grs import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("", include("grievances.urls")),
    path("", include("dashboards.urls")),
    path("", include("pilot.urls")),
    path("", include("audit.urls")),
    path("", include("citizens.urls")),
    path("reports/", include("dashboards.report_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("grs.api_urls")),
    path("open311/v2/", include("open311.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
