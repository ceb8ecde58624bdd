from django.urls import path

from yiwang.activity.views import notifications

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("pick/<str:kind>/", views.pick, name="pick"),
    path("notifications/", notifications, name="notifications"),
]
