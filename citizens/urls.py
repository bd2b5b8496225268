from django.urls import path

from citizens import app, views

app_name = "citizens"

urlpatterns = [
    path("my/", views.my_grievances, name="my"),
    path("my/code/", views.my_code, name="code"),
    path("my/sign-out/", views.my_sign_out, name="sign_out"),
    path("my/<str:number>/", views.my_grievance, name="grievance"),
    path("app/", app.app_shell, name="app"),
    path("app/manifest.webmanifest", app.app_manifest, name="app-manifest"),
    path("app/sw.js", app.app_service_worker, name="app-sw"),
]
