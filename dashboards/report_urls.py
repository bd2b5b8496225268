from django.urls import path

from dashboards import report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.index, name="index"),
    path("<int:job_id>/", report_views.job, name="job"),
    path("<int:job_id>/status/", report_views.status, name="status"),
    path("<int:job_id>/pdf/", report_views.pdf, name="pdf"),
    path("<int:job_id>/xlsx/", report_views.xlsx, name="xlsx"),
]
