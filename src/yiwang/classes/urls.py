from django.urls import path

from .views import (
    attendance,
    calendar,
    calendar_tokens,
    checkins,
    classes,
    enrolments,
    evaluations,
    sessions,
    signups,
)

app_name = "classes"

urlpatterns = [
    path("", calendar.calendar, name="calendar"),
    path("manage/", classes.manage, name="manage"),
    path("new/", classes.class_create, name="class_create"),
    path("<int:pk>/", classes.class_detail, name="class_detail"),
    path("<int:pk>/edit/", classes.class_edit, name="class_edit"),
    path("<int:pk>/publish/", classes.class_publish, name="class_publish"),
    path("<int:pk>/finish/", classes.class_finish, name="class_finish"),
    path("<int:pk>/sessions/new/", classes.session_add, name="session_add"),
    path("<int:pk>/copy-day/", classes.copy_day, name="copy_day"),
    path("<int:pk>/enrol/", enrolments.enrol, name="enrol"),
    path("<int:pk>/roster/", enrolments.roster, name="roster"),
    path("<int:pk>/complete/", enrolments.complete, name="complete"),
    path("enrolments/<int:pk>/cancel/", enrolments.enrolment_cancel, name="enrolment_cancel"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session_edit"),
    path("sessions/<int:pk>/move/", sessions.session_move, name="session_move"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/delete/", sessions.session_delete, name="session_delete"),
    path("sessions/<int:pk>/sign-up/", signups.sign_up, name="sign_up"),
    path("sessions/<int:pk>/qr/", checkins.session_qr, name="session_qr"),
    path("sessions/<int:pk>/qr.svg", checkins.session_qr_image, {"fmt": "svg"}, name="session_qr_svg"),
    path("sessions/<int:pk>/qr.png", checkins.session_qr_image, {"fmt": "png"}, name="session_qr_png"),
    path("sessions/<int:pk>/evaluations/", evaluations.session_evaluations, name="session_evaluations"),
    path("sign-ups/<int:pk>/cancel/", signups.sign_up_cancel, name="sign_up_cancel"),
    path(
        "sign-ups/<int:pk>/approve/", signups.approval_decide, {"decision": "approve"}, name="sign_up_approve"
    ),
    path("sign-ups/<int:pk>/reject/", signups.approval_decide, {"decision": "reject"}, name="sign_up_reject"),
    path("mine/", signups.mine, name="mine"),
    path("approvals/", signups.approvals, name="approvals"),
    path("attendance/", attendance.attendance, name="attendance"),
    path("attendance.xlsx", attendance.attendance_export, name="attendance_export"),
    path("q/<str:token>/", checkins.qr_landing, name="qr_landing"),
    path("q/<str:token>/check-in/", checkins.qr_check_in, name="qr_check_in"),
    path("q/<str:token>/rate/", evaluations.qr_rate, name="qr_rate"),
    path("feeds/new/", calendar_tokens.feed_create, name="feed_create"),
    path("feeds/<int:pk>/revoke/", calendar_tokens.feed_revoke, name="feed_revoke"),
    path("ical/<str:key>.ics", calendar_tokens.ical_feed, name="ical_feed"),
]
