from django.urls import path

from tongxin.units import account_views as views

app_name = "users"
urlpatterns = [
    path("", views.AccountListView.as_view(), name="list"),
    path("lockouts/", views.LockoutListView.as_view(), name="lockouts"),
    path("lockouts/lift/", views.LockoutLiftView.as_view(), name="lockout_lift"),
    path("new/", views.AccountCreateView.as_view(), name="create"),
    path("<int:pk>/", views.AccountDetailView.as_view(), name="detail"),
    path("<int:pk>/roles/", views.GrantView.as_view(), name="grant"),
    path("<int:pk>/roles/<int:membership>/revoke/", views.RevokeView.as_view(), name="revoke"),
    path("<int:pk>/password/", views.ResetView.as_view(), name="reset"),
    path("<int:pk>/state/", views.StateView.as_view(), name="state"),
]
