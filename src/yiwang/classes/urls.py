from django.urls import path

from . import views

app_name = "classes"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("manage/", views.manage, name="manage"),
    path("new/", views.class_create, name="class_create"),
    path("<int:pk>/", views.class_detail, name="class_detail"),
    path("<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("<int:pk>/publish/", views.class_publish, name="class_publish"),
    path("<int:pk>/finish/", views.class_finish, name="class_finish"),
    path("<int:pk>/sessions/new/", views.session_add, name="session_add"),
    path("<int:pk>/copy-day/", views.copy_day, name="copy_day"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/move/", views.session_move, name="session_move"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/delete/", views.session_delete, name="session_delete"),
    path("sessions/<int:pk>/sign-up/", views.sign_up, name="sign_up"),
    path("sessions/<int:pk>/qr/", views.session_qr, name="session_qr"),
    path("sessions/<int:pk>/qr.svg", views.session_qr_image, {"fmt": "svg"}, name="session_qr_svg"),
    path("sessions/<int:pk>/qr.png", views.session_qr_image, {"fmt": "png"}, name="session_qr_png"),
    path("sessions/<int:pk>/evaluations/", views.session_evaluations, name="session_evaluations"),
    path("sign-ups/<int:pk>/cancel/", views.sign_up_cancel, name="sign_up_cancel"),
    path(
        "sign-ups/<int:pk>/approve/", views.approval_decide, {"decision": "approve"}, name="sign_up_approve"
    ),
    path("sign-ups/<int:pk>/reject/", views.approval_decide, {"decision": "reject"}, name="sign_up_reject"),
    path("mine/", views.mine, name="mine"),
    path("approvals/", views.approvals, name="approvals"),
    path("attendance/", views.attendance, name="attendance"),
    path("attendance.xlsx", views.attendance_export, name="attendance_export"),
    path("q/<str:token>/", views.qr_landing, name="qr_landing"),
    path("q/<str:token>/check-in/", views.qr_check_in, name="qr_check_in"),
    path("q/<str:token>/rate/", views.qr_rate, name="qr_rate"),
    path("feeds/new/", views.feed_create, name="feed_create"),
    path("feeds/<int:pk>/revoke/", views.feed_revoke, name="feed_revoke"),
    path("ical/<str:key>.ics", views.ical_feed, name="ical_feed"),
]
