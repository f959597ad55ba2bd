"""Wagtail wiring of moderation: findings at the top of the editor, the class posts
dashboard panel, the leaders' concern reports, our log actions."""

from django.contrib import messages
from django.urls import path
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import WorkflowState
from wagtail.permissions import register_permission_policy

from workflows import (
    approval,
    audit_views,
    erasure_views,
    rollover_views,
    session_admin,
    subject_access_views,
    trust,
)
from workflows.concern_admin import ConcernReportViewSet, LeadersOnlyPolicy
from workflows.dashboard import is_leader
from workflows.models import CheckTaskState
from workflows.oversight import ConcernReport
from workflows.panels import AwaitingReviewPanel, ClassPostsPanel
from workflows.subject_access import EXPORT_ACTION, ExportLogFormatter

# Before the viewset asks the registry for ConcernReport's policy (it would get a fallback).
register_permission_policy(ConcernReport, LeadersOnlyPolicy(ConcernReport))


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


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def say_when_checks_sent_it_back(request, page):
    """Wagtail says "submitted for moderation" even when an automatic check refused the
    post at once: say plainly that it went back, and why."""
    if request.method != "POST" or not request.POST.get("action-submit"):
        return
    state = WorkflowState.objects.for_instance(page).order_by("-created_at").first()
    if state is None or state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return
    blocking = [finding for finding in latest_findings(page) if finding.blocking]
    if blocking:
        messages.error(
            request,
            "Not sent to the leaders: the automatic checks found things to change. "
            + " ".join(f"{finding.message} [{finding.code}]" for finding in blocking),
        )


@hooks.register("construct_homepage_panels")
def add_class_posts_panel(request, panels):
    panels.append(ClassPostsPanel(request.user))


@hooks.register("construct_homepage_panels")
def replace_awaiting_review_panel(request, panels):
    """Wagtail's "Awaiting your review" costs about three queries per waiting post and
    lists them all; ours lists the oldest few at a fixed cost (see workflows.panels)."""
    panels[:] = [
        panel for panel in panels if getattr(panel, "name", "") != "workflow_objects_to_moderate"
    ]
    panels.append(AwaitingReviewPanel(request.user))


@hooks.register("register_admin_viewset")
def register_concern_reports():
    return ConcernReportViewSet("concern_reports")


# A leader whose decision came second is told who decided first (workflows.approval).
hooks.register("before_edit_page", approval.say_who_decided_first)
hooks.register("after_edit_page", approval.say_who_decided_first_after_editing)


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
    # Teachers read the page history: the label says who, never that a carer reported.
    actions.register_action(
        "workflows.concern_unpublished",
        "Taken down by a senior leader",
        "Taken down by a senior leader",
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
        return is_leader(request.user)


@hooks.register("register_admin_menu_item")
def audit_menu_item():
    return LeadersOnlyMenuItem("Audit log", "/admin/audit/", icon_name="history", order=290)


@hooks.register("register_admin_menu_item")
def remove_access_menu_item():
    return LeadersOnlyMenuItem(
        "Remove access", "/admin/remove-access/", icon_name="warning", order=291
    )


@hooks.register("register_admin_urls")
def register_oversight_urls():
    from workflows.dashboard_views import oversight_urls

    return oversight_urls()


@hooks.register("register_admin_menu_item")
def register_oversight_menu_item():
    from workflows.dashboard_views import oversight_menu_item

    return oversight_menu_item()


@hooks.register("construct_homepage_panels")
def add_oversight_panel(request, panels):
    from workflows.dashboard_views import OversightPanel

    panels.append(OversightPanel(request.user))


@hooks.register("register_admin_urls")
def register_erasure_urls():
    return [
        path("erase-pupil/", erasure_views.choose_pupil, name="workflows_erase_pupil_choose"),
        path("erase-pupil/<id:pupil_id>/", erasure_views.erase, name="workflows_erase_pupil"),
    ]


@hooks.register("register_admin_menu_item")
def erase_pupil_menu_item():
    return LeadersOnlyMenuItem(
        "Erase a pupil", "/admin/erase-pupil/", icon_name="warning", order=292
    )


@hooks.register("register_admin_urls")
def register_rollover_urls():
    return [path("new-school-year/", rollover_views.rollover_view, name="workflows_rollover")]


@hooks.register("register_admin_menu_item")
def rollover_menu_item():
    return LeadersOnlyMenuItem(
        "New school year", "/admin/new-school-year/", icon_name="date", order=293
    )


# --- subject access requests (leaders only; see workflows.subject_access) ---------------


@hooks.register("register_admin_urls")
def register_subject_access_urls():
    views = subject_access_views
    return [
        path("subject-access/", views.subject_access_index, name="workflows_subject_access"),
        path(
            "subject-access/pupil/<id:pupil_id>/",
            views.pupil_download,
            name="workflows_subject_access_pupil",
        ),
        path(
            "subject-access/carer/<id:user_id>/",
            views.carer_download,
            name="workflows_subject_access_carer",
        ),
    ]


@hooks.register("register_admin_menu_item")
def subject_access_menu_item():
    return LeadersOnlyMenuItem(
        "Subject access", "/admin/subject-access/", icon_name="download", order=294
    )


@hooks.register("register_log_actions")
def register_subject_access_log_action(actions):
    actions.register_action(EXPORT_ACTION)(ExportLogFormatter)


class TrustMenuItem(MenuItem):
    def is_shown(self, request):
        return trust.is_trust_viewer(request.user)


@hooks.register("register_admin_urls")
def register_trust_urls():
    return [path("trust/", trust.trust_overview, name="workflows_trust")]


@hooks.register("register_admin_menu_item")
def trust_menu_item():
    return TrustMenuItem("Trust overview", "/admin/trust/", icon_name="site", order=295)


# --- signed-in sessions (leaders only; see workflows.session_admin) ----------------------


@hooks.register("register_admin_urls")
def register_signed_in_urls():
    return [
        path("signed-in/", session_admin.signed_in_sessions, name="workflows_signed_in"),
        path(
            "signed-in/<id:session_id>/end/",
            session_admin.end_one,
            name="workflows_signed_in_end",
        ),
        path(
            "signed-in/person/<id:user_id>/end-all/",
            session_admin.end_all,
            name="workflows_signed_in_end_all",
        ),
        path(
            "signed-in/person/<id:user_id>/reset-two-factor/",
            session_admin.reset_two_factor,
            name="workflows_reset_two_factor",
        ),
    ]


@hooks.register("register_admin_menu_item")
def signed_in_menu_item():
    return LeadersOnlyMenuItem(
        "Signed-in sessions", "/admin/signed-in/", icon_name="user", order=296
    )
