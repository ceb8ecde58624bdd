from django.urls import path

from . import views

app_name = "activity"

urlpatterns = [
    path("", views.audit_log, name="audit_log"),
    path("export.xlsx", views.audit_export, name="audit_export"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
