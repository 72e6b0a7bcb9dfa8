from django.urls import path

from tongxin.accounts import session_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.LoginCodeView.as_view(), name="login-code"),
    path("twofactor/", views.TwoFactorView.as_view(), name="twofactor"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password"),
    path("sessions/", session_views.SessionsView.as_view(), name="sessions"),
    path("sessions/<int:pk>/end/", session_views.EndSessionView.as_view(), name="end-session"),
    path("sessions/end-others/", session_views.EndOtherSessionsView.as_view(), name="end-other-sessions"),
    path("tokens/<int:pk>/revoke/", session_views.RevokeTokenView.as_view(), name="revoke-token"),
]
