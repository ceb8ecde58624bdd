from django.urls import path

from . import views

app_name = "activity"

urlpatterns = [
    path("", views.audit_log, name="audit_log"),
    path("export.xlsx", views.audit_export, name="audit_export"),
]
