from django.urls import path

from grievances import api

urlpatterns = [
    path("grievances/", api.GrievanceFileApi.as_view(), name="api-grievance-file"),
    path("track/<str:tracking_number>/", api.TrackApi.as_view(), name="api-track"),
    path("track/<str:tracking_number>/reply/", api.ReplyApi.as_view(), name="api-track-reply"),
    path("track/<str:tracking_number>/feedback/", api.FeedbackApi.as_view(), name="api-track-feedback"),
    path("track/<str:tracking_number>/appeal/", api.AppealApi.as_view(), name="api-track-appeal"),
    path("inbox/", api.InboxApi.as_view(), name="api-inbox"),
    path("grievances/<str:tracking_number>/", api.GrievanceDetailApi.as_view(), name="api-grievance"),
    path("grievances/<str:tracking_number>/accept/", api.AcceptApi.as_view(), name="api-grievance-accept"),
    path(
        "grievances/<str:tracking_number>/request-info/",
        api.RequestInfoApi.as_view(),
        name="api-grievance-request-info",
    ),
    path("grievances/<str:tracking_number>/hearing/", api.HearingApi.as_view(), name="api-grievance-hearing"),
    path("grievances/<str:tracking_number>/forward/", api.ForwardApi.as_view(), name="api-grievance-forward"),
    path("grievances/<str:tracking_number>/resolve/", api.ResolveApi.as_view(), name="api-grievance-resolve"),
    path("grievances/<str:tracking_number>/reject/", api.RejectApi.as_view(), name="api-grievance-reject"),
    path("grievances/<str:tracking_number>/close/", api.CloseApi.as_view(), name="api-grievance-close"),
    path(
        "grievances/<str:tracking_number>/data-export/", api.DataExportApi.as_view(), name="api-grievance-data-export"
    ),
    path(
        "grievances/<str:tracking_number>/erase-identity/",
        api.EraseIdentityApi.as_view(),
        name="api-grievance-erase-identity",
    ),
    path(
        "grievances/<str:tracking_number>/decide-appeal/",
        api.DecideAppealApi.as_view(),
        name="api-grievance-decide-appeal",
    ),
]
