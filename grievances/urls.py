from django.urls import path

from grievances import consoles, official_views, views

app_name = "grievances"

urlpatterns = [
    path("grievances/new/", views.grievance_new, name="new"),
    path("grievances/receipt/", views.grievance_receipt, name="receipt"),
    path("track/", views.grievance_track, name="track"),
    path("udc/", consoles.udc, name="udc"),
    path("udc/sw.js", consoles.udc_service_worker, name="udc-sw"),
    path("udc/receipt/<str:number>/", consoles.udc_receipt, name="udc-receipt"),
    path("hotline/", consoles.hotline, name="hotline"),
    path("hotline/receipt/<str:number>/", consoles.hotline_receipt, name="hotline-receipt"),
    path("inbox/", official_views.inbox, name="inbox"),
    path("inbox/<str:tracking_number>/", official_views.official_detail, name="official_detail"),
    path(
        "inbox/<str:tracking_number>/attachments/<int:attachment_id>/",
        official_views.attachment_download,
        name="attachment",
    ),
    path("inbox/<str:tracking_number>/data/export/", official_views.privacy_export, name="privacy_export"),
    path("inbox/<str:tracking_number>/data/erase/", official_views.privacy_erase, name="privacy_erase"),
    path("inbox/<str:tracking_number>/<slug:action>/", official_views.official_action, name="official_action"),
]
