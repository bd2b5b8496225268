"""/open311/v2/: Open311 GeoReport v2 (docs/open311.md). Every resource ends in .json or .xml."""

from django.urls import path, re_path

from open311 import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    # The endpoint's root shows the discovery document (in XML, the format every client reads).
    path("", views.discovery, name="root"),
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FORMAT, views.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FORMAT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FORMAT, views.token, name="token"),
    # Anything else is answered in the specification's error format, not with an HTML page.
    re_path(r"^(?P<path>.*?)(?:\.(?P<fmt>json|xml))?$", views.not_found, name="not-found"),
]
