from django.urls import path

from pilot import views

app_name = "pilot"

urlpatterns = [
    path("dashboard/pilot/", views.report, name="report"),
    path("dashboard/pilot/export/<slug:table>.csv", views.export, name="export"),
]
