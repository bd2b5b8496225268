from django.urls import path

from grievances import views

app_name = "grievances"

urlpatterns = [
    path("grievances/new/", views.grievance_new, name="new"),
    path("grievances/receipt/", views.grievance_receipt, name="receipt"),
    path("track/", views.grievance_track, name="track"),
]
