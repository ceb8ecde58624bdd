from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("", views.course_list, name="list"),
    path("export/", views.course_export, name="export"),
    path("new/", views.course_create, name="create"),
    path("<int:pk>/", views.course_detail, name="detail"),
    path("<int:pk>/edit/", views.course_edit, name="edit"),
    path("<int:pk>/status/", views.course_status, name="status"),
    path("<int:pk>/retire/", views.course_retire, name="retire"),
    path("<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("materials/<int:pk>/download/", views.material_download, name="material_download"),
    path("modules/", views.module_list, name="module_list"),
    path("modules/<int:pk>/", views.module_detail, name="module_detail"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<uuid:job_id>/", views.import_status, name="import_status"),
]
