from django.urls import path

from citizens import api

urlpatterns = [
    path("otp/", api.OtpApi.as_view(), name="api-citizen-otp"),
    path("session/", api.SessionApi.as_view(), name="api-citizen-session"),
    path("grievances/", api.CitizenGrievancesApi.as_view(), name="api-citizen-grievances"),
    path("grievances/<str:tracking_number>/", api.CitizenGrievanceApi.as_view(), name="api-citizen-grievance"),
]
