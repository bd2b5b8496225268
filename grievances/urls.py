from django.urls import path

app_name = "grievances"

urlpatterns: list = []
