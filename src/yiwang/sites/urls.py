"""现场教学基地: field sites and their bookings."""

from django.urls import path

from . import views

app_name = "sites"

urlpatterns = [
    path("", views.site_list, name="list"),
    path("export/", views.site_export, name="export"),
    path("new/", views.site_create, name="create"),
    path("<int:pk>/", views.site_detail, name="detail"),
    path("<int:pk>/edit/", views.site_edit, name="edit"),
    path("<int:pk>/calendar/", views.site_calendar, name="calendar"),
    path("<int:pk>/book/", views.booking_create, name="book"),
    path("<int:pk>/blackouts/", views.blackout_add, name="blackout_add"),
    path("<int:pk>/blackouts/<int:blackout_id>/delete/", views.blackout_remove, name="blackout_remove"),
    path("<int:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("<int:pk>/photos/<int:photo_id>/", views.photo_view, name="photo"),
    path("<int:pk>/feeds/", views.feed_create, name="feed_create"),
    path("<int:pk>/feeds/<int:token_id>/revoke/", views.feed_revoke, name="feed_revoke"),
    path("feed/<str:key>.ics", views.ical_feed, name="ical_feed"),
    path("bookings/", views.booking_list, name="booking_list"),
    path("bookings/export/", views.booking_export, name="booking_export"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/approve/", views.booking_approve, name="booking_approve"),
    path("bookings/<int:pk>/decline/", views.booking_decline, name="booking_decline"),
    path("bookings/<int:pk>/withdraw/", views.booking_withdraw, name="booking_withdraw"),
    path("bookings/<int:pk>/complete/", views.booking_complete, name="booking_complete"),
    path("bookings/<int:pk>/evaluate/", views.booking_evaluate, name="booking_evaluate"),
    path("requests/<int:request_id>/", views.booking_for_request, name="booking_for_request"),
]
