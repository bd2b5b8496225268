from django.urls import path

from offices import api

urlpatterns = [
    path("offices/", api.OfficeListApi.as_view(), name="api-offices"),
    path("offices/<str:code>/", api.OfficeDetailApi.as_view(), name="api-office"),
    path("offices/<str:code>/children/", api.OfficeChildrenApi.as_view(), name="api-office-children"),
]
