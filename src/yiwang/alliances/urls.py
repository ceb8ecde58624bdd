"""Alliance spaces (meetings, resolutions, news) and support agreements."""

from django.urls import path

from . import views

app_name = "alliances"

urlpatterns = [
    path("", views.index, name="index"),
    path("news/", views.public_news, name="public_news"),
    path("news/<int:pk>/", views.news_detail, name="news"),
    path("news/<int:pk>/images/<int:image_id>/", views.news_image, name="news_image"),
    path("alliance/<int:alliance_id>/", views.open_alliance, name="open_alliance"),
    path("partnership/<int:partnership_id>/", views.open_partnership, name="open_partnership"),
    path("spaces/<int:pk>/", views.space_detail, name="space"),
    path("spaces/<int:pk>/contact/", views.contact_set, name="contact_set"),
    path("spaces/<int:pk>/chair/", views.chair_add, name="chair_add"),
    path("spaces/<int:pk>/mechanisms/", views.mechanisms_set, name="mechanisms_set"),
    path("spaces/<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("spaces/<int:pk>/news/new/", views.news_create, name="news_create"),
    path("spaces/<int:pk>/resolutions.xlsx", views.resolution_export, name="resolution_export"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/minutes/", views.minutes_save, name="minutes_save"),
    path("meetings/<int:pk>/resolutions/", views.resolution_add, name="resolution_add"),
    path("resolutions/<int:pk>/done/", views.resolution_done, name="resolution_done"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/targets/", views.target_set, name="target_set"),
    path("agreements/<int:pk>/progress.xlsx", views.agreement_export, name="agreement_export"),
]
