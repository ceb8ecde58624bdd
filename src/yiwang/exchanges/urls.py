from django.urls import path

from . import views

app_name = "exchanges"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox.xlsx", views.inbox_export, name="inbox_export"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox.xlsx", views.outbox_export, name="outbox_export"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/to/<str:to>/", views.request_action, name="request_action"),
    path("requests/<int:pk>/comment/", views.request_comment, name="request_comment"),
    path("requests/<int:pk>/files/", views.attachment_upload, name="attachment_upload"),
    path(
        "requests/<int:pk>/files/<int:attachment_id>/", views.attachment_download, name="attachment_download"
    ),
    path(
        "requests/<int:pk>/files/<int:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("dispatches/", views.dispatch_list, name="dispatches"),
    path("dispatches.xlsx", views.dispatch_export, name="dispatch_export"),
    path("dispatches/new/", views.dispatch_new, name="dispatch_new"),
    path("dispatches/<int:pk>/", views.dispatch_detail, name="dispatch_detail"),
    path("dispatches/<int:pk>/confirm/", views.dispatch_confirm, name="dispatch_confirm"),
    path("hosted/", views.hosting_list, name="hostings"),
    path("hosted.xlsx", views.hosting_export, name="hosting_export"),
    path("hosted/new/", views.hosting_new, name="hosting_new"),
    path("hosted/<int:pk>/", views.hosting_detail, name="hosting_detail"),
    path("hosted/<int:pk>/plan/", views.hosting_plan, name="hosting_plan"),
    path("hosted/<int:pk>/build-class/", views.hosting_build_class, name="hosting_build_class"),
    path("hosted/<int:pk>/roster-template.xlsx", views.roster_template_download, name="roster_template"),
    path("hosted/<int:pk>/roster/", views.roster_upload, name="roster_upload"),
    path("hosted/<int:pk>/summary.xlsx", views.hosting_report, name="hosting_report"),
    path("hosted/sessions/<int:session_pk>/qr/", views.trainee_qr, name="trainee_qr"),
    path("t/<str:token>/qr.svg", views.trainee_qr_image, name="trainee_qr_image"),
    path("t/<str:token>/", views.trainee_check_in, name="trainee_check_in"),
]
