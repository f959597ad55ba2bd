"""URLs of moderation on the public site: carers' concern reports and their notification
choices (with the one-click unsubscribe link that works without signing in)."""

from django.urls import path

from workflows import concerns
from workflows.notifications import views as notifications

urlpatterns = [
    path("posts/<id:post_id>/report/", concerns.report_concern, name="report_concern"),
    path("posts/<id:post_id>/report/sent/", concerns.report_sent, name="concern_sent"),
    path("my-reports/", concerns.my_reports, name="my_reports"),
    path("notifications/", notifications.preferences, name="notifications"),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.unsubscribe,
        name="notification_unsubscribe",
    ),
]
