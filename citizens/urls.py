from django.urls import path

from citizens import views

app_name = "citizens"

urlpatterns = [
    path("my/", views.my_grievances, name="my"),
    path("my/code/", views.my_code, name="code"),
    path("my/sign-out/", views.my_sign_out, name="sign_out"),
    path("my/<str:number>/", views.my_grievance, name="grievance"),
]
