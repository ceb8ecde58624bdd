from django.urls import path

from . import views

app_name = "codev"

urlpatterns = [
    path("", views.index, name="index"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/stage/", views.project_stage, name="project_stage"),
    path("projects/<int:pk>/plan/", views.project_plan, name="project_plan"),
    path("projects/<int:pk>/members/", views.member_add, name="member_add"),
    path("projects/<int:pk>/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("projects/<int:pk>/schools/", views.school_add, name="school_add"),
    path("projects/<int:pk>/tasks/", views.task_create, name="task_create"),
    path("projects/<int:pk>/tasks/<int:task_id>/status/", views.task_status, name="task_status"),
    path("projects/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("projects/<int:pk>/versions/", views.version_create, name="version_create"),
    path("projects/<int:pk>/materials/<int:material_id>/", views.material_detail, name="material"),
    path(
        "projects/<int:pk>/materials/<int:material_id>/download/",
        views.material_download,
        name="material_download",
    ),
    path("projects/<int:pk>/compare/", views.compare, name="compare"),
    path("projects/<int:pk>/rounds/", views.round_open, name="round_open"),
    path("projects/<int:pk>/trials/", views.trial_create, name="trial_create"),
    path("projects/<int:pk>/publish/", views.project_publish, name="project_publish"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/reviewers/", views.round_assign, name="round_assign"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/materials/<int:material_id>/", views.round_material, name="round_material"),
    path("sheets/<int:pk>/", views.sheet, name="sheet"),
    path("reviews/export/", views.review_export, name="review_export"),
    path("courses/<int:course_id>/adoptions/", views.course_adoptions, name="course_adoptions"),
    path("courses/<int:course_id>/release/", views.course_release, name="course_release"),
    path("courses/<int:course_id>/version/", views.course_version, name="course_version"),
    path("courses/<int:course_id>/adopt/", views.adopt, name="adopt"),
    path("topics/<int:topic_id>/adoptions/", views.topic_adoptions, name="topic_adoptions"),
    path("topics/<int:topic_id>/adopt/", views.adopt_topic, name="adopt_topic"),
    path("adoptions/", views.adoptions_mine, name="adoptions_mine"),
    path("adoptions/export/", views.adoption_export, name="adoption_export"),
    path("adoptions/<int:pk>/", views.adoption_detail, name="adoption"),
    path("adoptions/<int:pk>/take/", views.adoption_take, name="adoption_take"),
]
