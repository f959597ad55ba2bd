"""URLs: the public site, sign-in, the authorising file view and the Wagtail admin.

Deliberately absent: a public /media/ URL, Wagtail's dynamic image serve view, the
documents app, the API, search and sitemap views (all would reveal private content)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from class_pages import admin_guards, consent_views
from class_pages import calendar as class_calendar
from class_pages import chooser as page_chooser
from class_pages import views as class_views
from workflows import concerns
from workflows import notification_views as notifications

from . import invitation_views, sessions_views, two_factor
from .views import PasswordResetView, SignInView, SignOutView, agreement

urlpatterns = [
    # First: every photo of a page is a request here, so it is matched before anything else.
    path("files/<path:name>", class_views.serve_file, name="private_file"),
    # Before Wagtail's own: the chooser must not show a parent page the user may not see.
    path("admin/choose-page/<id:parent_page_id>/", page_chooser.browse),
    # Stock admin views that would name pages the user may not explore (admin_guards).
    path("admin/choose-page/chosen-multiple/", admin_guards.chosen_multiple),
    path(
        "admin/pages/<id:page_to_move_id>/move/<id:destination_id>/confirm/",
        admin_guards.move_confirm,
    ),
    path("admin/bulk/<str:app_label>/<str:model_name>/<str:action>/", admin_guards.bulk_action),
    path("admin/pages/<id:page_id>/copy/", admin_guards.copy),
    path("admin/pages/create/<slug:app_label>/<slug:model_name>", admin_guards.choose_parent),
    path(
        "admin/pages/workflow/action/<id:page_id>/<slug:action_name>/<id:task_state_id>/",
        admin_guards.workflow_action,
    ),
    path("admin/reports/page-types-usage/", admin_guards.page_types_usage),
    path("admin/reports/page-types-usage/results/", admin_guards.page_types_usage_results),
    path("admin/failwhale/", admin_guards.not_mounted),
    path("admin/", include(wagtailadmin_urls)),
    path("sign-in/", SignInView.as_view(), name="sign_in"),
    path("sign-out/", SignOutView.as_view(), name="sign_out"),
    path("agreement/", agreement, name="agreement"),
    path("account/sessions/", sessions_views.my_sessions, name="my_sessions"),
    path(
        "account/sessions/<id:session_id>/end/",
        sessions_views.end_session,
        name="end_session",
    ),
    path(
        "account/sessions/end-others/",
        sessions_views.end_other_sessions,
        name="end_other_sessions",
    ),
    path("account/two-factor/", two_factor.two_factor, name="two_factor"),
    path("invitations/<str:token>/", invitation_views.invitation, name="invitation"),
    path(
        "password-reset/",
        PasswordResetView.as_view(),
        name="password_reset",
    ),
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
    path("my-classes/", class_views.my_classes, name="my_classes"),
    path("my-children/", consent_views.my_children, name="my_children"),
    path("my-children/<id:pupil_id>/consent/", consent_views.edit_consent, name="edit_consent"),
    path("calendar/", class_calendar.calendar, name="calendar"),
    path("calendar/<str:token>.ics", class_calendar.calendar_feed, name="calendar_feed"),
    path("posts/<id:post_id>/report/", concerns.report_concern, name="report_concern"),
    path("posts/<id:post_id>/report/sent/", concerns.report_sent, name="concern_sent"),
    path("my-reports/", concerns.my_reports, name="my_reports"),
    path("notifications/", notifications.preferences, name="notifications"),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.unsubscribe,
        name="notification_unsubscribe",
    ),
    path("", include(wagtail_urls)),
]

handler404 = "cms.errors.page_not_found"
handler500 = "cms.errors.server_error"
