from django.urls import path

from grievances import consoles, views

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
]
