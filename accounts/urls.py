from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.ProfileView.as_view(), name="profile"),
    path("register/", views.RegisterView.as_view(), name="register"),
    path("register/done/", views.RegisterDoneView.as_view(), name="register_done"),
    path(
        "verify/<uidb64>/<token>/", views.VerifyEmailView.as_view(), name="verify_email"
    ),
    path(
        "verify-again/",
        views.ResendVerificationView.as_view(),
        name="resend_verification",
    ),
    path(
        "verify-again/sent/",
        views.ResendVerificationDoneView.as_view(),
        name="resend_verification_done",
    ),
    path("members/", views.MembersView.as_view(), name="members"),
    path(
        "members/<int:pk>/decide/",
        views.DecideJoinRequestView.as_view(),
        name="decide_join_request",
    ),
    path("members/join/<str:token>/", views.JoinLinkView.as_view(), name="join_link"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
