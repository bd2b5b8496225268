from django.urls import path

from dashboards import api

urlpatterns = [
    path("dashboard/", api.DashboardApi.as_view(), name="api-dashboard"),
    path("dashboard/trends/", api.DashboardTrendsApi.as_view(), name="api-dashboard-trends"),
]
