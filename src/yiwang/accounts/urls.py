from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.profile, name="profile"),
    path("me/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("manage/", views.manage_users, name="manage_users"),
    path("manage/<int:user_id>/unlock/", views.unlock, name="unlock"),
    path("manage/<int:user_id>/role/", views.grant_role, name="grant_role"),
]
