from django.urls import path

from . import views

app_name = "research"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("export/", views.project_export, name="export"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/status/", views.project_status, name="status"),
    path("import/", views.project_import, name="project_import"),
    path("import/template/", views.project_import_template, name="project_import_template"),
    path("import/<uuid:job_id>/", views.project_import_status, name="project_import_status"),
    path("outputs/", views.output_list, name="output_list"),
    path("outputs/export/", views.output_export, name="output_export"),
    path("outputs/new/", views.output_create, name="output_create"),
    path("outputs/<int:pk>/", views.output_detail, name="output_detail"),
    path("outputs/<int:pk>/edit/", views.output_edit, name="output_edit"),
    path("outputs/<int:pk>/retire/", views.output_retire, name="output_retire"),
    path("outputs/<int:pk>/file/", views.output_file, name="output_file"),
    path("outputs/<int:pk>/endorsements/", views.endorsement_add, name="endorsement_add"),
    path("outputs/import/", views.output_import, name="output_import"),
    path("outputs/import/template/", views.output_import_template, name="output_import_template"),
    path("outputs/import/<uuid:job_id>/", views.output_import_status, name="output_import_status"),
    path("endorsements/<int:pk>/", views.endorsement_verify, name="endorsement_verify"),
    path("endorsements/<int:pk>/evidence/", views.endorsement_evidence, name="endorsement_evidence"),
    path("ranking/", views.ranking, name="ranking"),
]
