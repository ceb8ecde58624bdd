from django.urls import path

from . import views

app_name = "faculty"

urlpatterns = [
    path("", views.teacher_list, name="list"),
    path("export/", views.teacher_export, name="export"),
    path("new/", views.teacher_create, name="create"),
    path("<int:pk>/", views.teacher_detail, name="detail"),
    path("<int:pk>/edit/", views.teacher_edit, name="edit"),
    path("<int:pk>/retire/", views.teacher_retire, name="retire"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<uuid:job_id>/", views.import_status, name="import_status"),
]
