from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("manage/", views.manage, name="manage"),
    path("schools/<slug:code>/", views.school_detail, name="school"),
    path("schools/<slug:code>/parent/", views.set_parent, name="set_parent"),
    path("schools/<slug:code>/people/", views.school_people, name="people"),
    path("schools/<slug:code>/people/import/", views.people_import, name="people_import"),
    path(
        "schools/<slug:code>/people/import/template/",
        views.people_import_template,
        name="people_import_template",
    ),
    path("schools/<slug:code>/duties/", views.duties_setting, name="duties"),
    path("schools/<slug:code>/people/<int:pk>/", views.membership_update, name="membership"),
]
