"""Wagtail wiring of moderation: findings at the top of the editor, the class posts
dashboard panel, our log actions."""

from django.contrib import messages
from django.urls import path
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import WorkflowState

from . import audit_views
from .models import CheckTaskState
from .panels import ClassPostsPanel


def latest_findings(page):
    """Findings of the automatic checks on the page's current (or last) workflow."""
    state = (
        WorkflowState.objects.for_instance(page)
        .exclude(status=WorkflowState.STATUS_CANCELLED)
        .order_by("-created_at")
        .first()
    )
    if state is None:
        return []
    latest = {}
    for task_state in CheckTaskState.objects.filter(workflow_state=state).order_by("started_at"):
        latest[task_state.task_id] = task_state
    return [finding for task_state in latest.values() for finding in task_state.finding_objects()]


@hooks.register("before_edit_page")
def show_findings_in_editor(request, page):
    if request.method != "GET":
        return
    for finding in latest_findings(page):
        level = messages.ERROR if finding.blocking else messages.WARNING
        prefix = "" if finding.blocking else "Note: "
        messages.add_message(request, level, f"{prefix}{finding.message} [{finding.code}]")


@hooks.register("construct_homepage_panels")
def add_class_posts_panel(request, panels):
    panels.append(ClassPostsPanel(request.user))


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(
        "workflows.consent_takedown",
        "Taken down: consent withdrawn",
        "Taken down because a pupil's consent was withdrawn",
    )
    actions.register_action(
        "workflows.publish_refused",
        "Not published: consent changed",
        "Approved, but not published because consent changed",
    )


@hooks.register("register_admin_urls")
def register_audit_urls():
    return [
        path("audit/", audit_views.audit_log, name="workflows_audit"),
        path("audit.csv", audit_views.audit_csv, name="workflows_audit_csv"),
        path("remove-access/", audit_views.remove_access_view, name="workflows_remove_access"),
    ]


class LeadersOnlyMenuItem(MenuItem):
    def is_shown(self, request):
        return audit_views.led_schools(request.user).exists()


@hooks.register("register_admin_menu_item")
def audit_menu_item():
    return LeadersOnlyMenuItem("Audit log", "/admin/audit/", icon_name="history", order=290)


@hooks.register("register_admin_menu_item")
def remove_access_menu_item():
    return LeadersOnlyMenuItem(
        "Remove access", "/admin/remove-access/", icon_name="warning", order=291
    )
