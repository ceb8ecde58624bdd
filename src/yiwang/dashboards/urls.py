from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("boards/", views.boards, name="boards"),
    path("boards/<str:kind>/<str:ident>/", views.board, name="board"),
    path("boards/<str:kind>/<str:ident>/export/", views.board_export, name="board_export"),
    path("boards/<str:kind>/<str:ident>/<str:key>/", views.drill, name="drill"),
    path("targets/<str:code>/", views.targets, name="targets"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/retry/", views.report_retry, name="report_retry"),
    path("reports/<int:pk>/<str:fmt>/", views.report_download, name="report_download"),
]
