from django.urls import path

from grievances import api

urlpatterns = [
    path("grievances/", api.GrievanceFileApi.as_view(), name="api-grievance-file"),
    path("track/<str:tracking_number>/", api.TrackApi.as_view(), name="api-track"),
]
