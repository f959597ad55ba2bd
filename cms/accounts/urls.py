"""URLs of accounts on the public site: sign-in and sign-out, the agreement, signed-in
devices, two-factor sign-in, invitation links and password reset."""

from django.contrib.auth import views as auth_views
from django.urls import path

from cms.accounts import invitations, sessions, two_factor
from cms.accounts.views import PasswordResetView, SignInView, SignOutView, agreement

urlpatterns = [
    path("sign-in/", SignInView.as_view(), name="sign_in"),
    path("sign-out/", SignOutView.as_view(), name="sign_out"),
    path("agreement/", agreement, name="agreement"),
    path("account/sessions/", sessions.my_sessions, name="my_sessions"),
    path("account/sessions/<id:session_id>/end/", sessions.end_session, name="end_session"),
    path("account/sessions/end-others/", sessions.end_other_sessions, name="end_other_sessions"),
    path("account/two-factor/", two_factor.two_factor, name="two_factor"),
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="cms/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="cms/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="cms/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
