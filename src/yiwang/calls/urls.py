"""共研一个题: research calls, applications, reviews, execution."""

from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.call_list, name="call_list"),
    path("new/", views.call_create, name="call_create"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/export/", views.ranking_export, name="ranking_export"),
    path("overdue/", views.overdue, name="overdue"),
    path("import/", views.project_import, name="project_import"),
    path("import/template/", views.project_import_template, name="project_import_template"),
    path("import/<uuid:job_id>/", views.project_import_status, name="project_import_status"),
    path("<int:pk>/", views.call_detail, name="call_detail"),
    path("<int:pk>/publish/", views.call_publish, name="call_publish"),
    path("<int:pk>/results/", views.call_results, name="call_results"),
    path("<int:pk>/review-ranking/", views.call_ranking, name="call_ranking"),
    path("<int:pk>/export/", views.application_export, name="application_export"),
    path("<int:pk>/apply/", views.application_create, name="application_create"),
    path("<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("<int:pk>/events/", views.event_add, name="event_add"),
    path("<int:pk>/events/<int:event_id>/schedule/", views.event_schedule, name="event_schedule"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/do/<slug:action>/", views.application_action, name="application_action"),
    path("applications/<int:pk>/files/", views.application_file_upload, name="application_file_upload"),
    path("applications/<int:pk>/files/<int:file_id>/", views.application_file, name="application_file"),
    path("applications/<int:pk>/grant/", views.grant, name="grant"),
    path("applications/<int:pk>/reviewers/", views.reviewer_assign, name="reviewer_assign"),
    path("applications/<int:pk>/experts/", views.expert_invite, name="expert_invite"),
    path(
        "applications/<int:pk>/reviewers/<int:sheet_id>/remove/",
        views.reviewer_remove,
        name="reviewer_remove",
    ),
    path(
        "applications/<int:pk>/milestones/<int:milestone_id>/submit/",
        views.milestone_submit,
        name="milestone_submit",
    ),
    path(
        "applications/<int:pk>/milestones/<int:milestone_id>/review/",
        views.milestone_review,
        name="milestone_review",
    ),
    path(
        "applications/<int:pk>/milestones/<int:milestone_id>/files/<int:file_id>/",
        views.milestone_file,
        name="milestone_file",
    ),
    path(
        "applications/<int:pk>/milestones/<int:milestone_id>/extension/",
        views.extension_request,
        name="extension_request",
    ),
    path(
        "applications/<int:pk>/extensions/<int:item_id>/",
        views.extension_decide,
        name="extension_decide",
    ),
    path("applications/<int:pk>/expenses/", views.expense_add, name="expense_add"),
    path("applications/<int:pk>/adjustments/", views.adjustment_request, name="adjustment_request"),
    path(
        "applications/<int:pk>/adjustments/<int:item_id>/",
        views.adjustment_decide,
        name="adjustment_decide",
    ),
    path("applications/<int:pk>/reports/", views.report_add, name="report_add"),
    path(
        "applications/<int:pk>/reports/<int:output_id>/endorsements/",
        views.endorsement_add,
        name="endorsement_add",
    ),
    path(
        "applications/<int:pk>/endorsements/<int:endorsement_id>/verify/",
        views.endorsement_verify,
        name="endorsement_verify",
    ),
    path("applications/<int:pk>/reports/<int:report_id>/adoption/", views.adoption_set, name="adoption_set"),
    path("reviews/<int:sheet_id>/", views.review_sheet, name="review_sheet"),
    path("expert/<str:token>/", views.expert_review, name="expert_review"),
]
