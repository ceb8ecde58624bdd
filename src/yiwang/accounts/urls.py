from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("login/verify/", views.second_factor, name="second_factor"),
    path("me/second-factor/", views.enrol_second_factor, name="enrol_second_factor"),
    path("me/second-factor/remove/", views.remove_second_factor, name="remove_second_factor"),
    path("me/", views.profile, name="profile"),
    path("me/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("manage/", views.manage_users, name="manage_users"),
    path("manage/<int:user_id>/unlock/", views.unlock, name="unlock"),
]
