"""Wagtail wiring of moderation: the automatic findings and a leader's request for changes
at the top of the editor, the truthful message after a refused submission, "Take down"
(workflows.takedown), the dashboard panels (class posts, the review queue, oversight),
our log actions, and the "Leaders" menu group gathering every leaders' tool
(workflows.leaders)."""

from django.contrib import messages
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from wagtail import hooks
from wagtail.admin import messages as admin_messages
from wagtail.models import TaskState, WorkflowState
from wagtail.permissions import register_permission_policy

from workflows import approval, takedown
from workflows import review_hooks as _review_hooks  # noqa: F401  (registers its hooks)
from workflows.composer import hooks as _composer_hooks  # noqa: F401  (registers its hooks)
from workflows.leaders.access_removal import AccessRemovalViewSet
from workflows.leaders.audit.views import AuditViewSet
from workflows.leaders.concerns import ConcernReportViewSet, LeadersOnlyPolicy
from workflows.leaders.erasure import ErasureViewSet
from workflows.leaders.menu import LeadersViewSetGroup
from workflows.leaders.oversight.views import OversightPanel, OversightViewSet
from workflows.leaders.rollover import RolloverViewSet
from workflows.leaders.sessions import SessionsViewSet
from workflows.leaders.subject_access.record import EXPORT_ACTION, ExportLogFormatter
from workflows.leaders.subject_access.views import SubjectAccessViewSet
from workflows.leaders.trust import TrustViewSet
from workflows.models import CheckTaskState, ConcernReport
from workflows.panels import AwaitingReviewPanel, ClassPostsPanel

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


def latest_change_request(page):
    """The leader's "request changes" (a TaskState: its comment, who, when) that the page's
    workflow waits on, or None when it waits on nobody's changes or a check sent it back."""
    state = (
        WorkflowState.objects.for_instance(page)
        .filter(status=WorkflowState.STATUS_NEEDS_CHANGES)
        .order_by("-created_at")
        .first()
    )
    if state is None:
        return None
    return (
        TaskState.objects.filter(
            workflow_state=state, status=TaskState.STATUS_REJECTED, finished_by__isnull=False
        )
        .select_related("finished_by")
        .order_by("-finished_at", "-pk")
        .first()
    )


def change_request_message(task_state):
    who = task_state.finished_by
    name = who.get_full_name() or who.get_username()
    when = format_date(timezone.localtime(task_state.finished_at), "j F Y, H:i")
    comment = task_state.comment.strip() or "(no comment)"
    return f"{name} asked for changes on {when}: {comment}"


@hooks.register("before_edit_page")
def show_findings_in_editor(request, page):
    if request.method != "GET":
        return
    change_request = latest_change_request(page)
    if change_request is not None:
        messages.warning(request, change_request_message(change_request))
    for finding in latest_findings(page):
        level = messages.ERROR if finding.blocking else messages.WARNING
        prefix = "" if finding.blocking else "Note: "
        messages.add_message(request, level, f"{prefix}{finding.message} [{finding.code}]")


SUBMITTED = "submitted for moderation"  # Wagtail's success message after "Submit"


def forget_submitted_message(request):
    """Drop Wagtail's "… submitted for moderation" success message of this request (the
    messages API has no remove: read them all, then add back every other one)."""
    kept = [
        message
        for message in messages.get_messages(request)
        if not (message.level == messages.SUCCESS and SUBMITTED in str(message.message))
    ]
    for message in kept:
        messages.add_message(request, message.level, message.message, message.extra_tags)


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def say_when_checks_sent_it_back(request, page):
    """Wagtail says "submitted for moderation" even when an automatic check refused the
    post at once: take that back, and say plainly that it went back, and why."""
    if request.method != "POST" or not request.POST.get("action-submit"):
        return
    state = WorkflowState.objects.for_instance(page).order_by("-created_at").first()
    if state is None or state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return
    forget_submitted_message(request)
    blocking = [finding for finding in latest_findings(page) if finding.blocking]
    admin_messages.error(
        request,
        " ".join(
            [
                "Not sent to the leaders: the automatic checks found things to change.",
                *(f"{finding.message} [{finding.code}]" for finding in blocking),
            ]
        ),
        # The create view lands on the class listing: the way back to the post.
        buttons=[admin_messages.button(reverse("wagtailadmin_pages:edit", args=[page.pk]), "Edit")],
    )


@hooks.register("register_page_action_menu_item")
def register_take_down_menu_item():
    return takedown.TakeDownMenuItem()


@hooks.register("register_admin_urls")
def register_take_down_urls():
    return takedown.urlpatterns


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


@hooks.register("construct_homepage_panels")
def add_oversight_panel(request, panels):
    panels.append(OversightPanel(request.user))


@hooks.register("register_log_actions")
def register_subject_access_log_action(actions):
    actions.register_action(EXPORT_ACTION)(ExportLogFormatter)


class LeadersTools(LeadersViewSetGroup):
    """Every leaders' tool, in menu order: first what waits on a leader (carers'
    reports), then monitoring, records, and the rarer acts."""

    items = (
        ConcernReportViewSet("concern_reports"),
        OversightViewSet("oversight"),
        AuditViewSet("audit"),
        AccessRemovalViewSet("remove_access"),
        ErasureViewSet("erase_pupil"),
        RolloverViewSet("new_school_year"),
        SubjectAccessViewSet("subject_access"),
        TrustViewSet("trust"),
        SessionsViewSet("signed_in"),
    )


LEADERS_TOOLS = LeadersTools()


@hooks.register("register_admin_viewset")
def register_leaders_tools():
    return LEADERS_TOOLS


@hooks.register("register_admin_urls")
def register_leaders_tools_urls():
    return LEADERS_TOOLS.get_admin_urlpatterns()
