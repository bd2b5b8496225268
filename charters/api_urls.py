from django.urls import path

from charters import api

urlpatterns = [path("services/", api.ServiceListApi.as_view(), name="api-services")]
