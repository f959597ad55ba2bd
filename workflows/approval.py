"""A leader's decision on a waiting post is taken once.

Wagtail checks that a task state is still in progress on the copy each request loaded,
so two leaders pressing Approve at the same moment (or Approve and Request changes) both
pass: the post was approved, published and logged twice, or approved and sent back at
once. `LeadersApprovalTask.on_action` decides inside `decided_once()`: the task state's
row is locked and its status read again, so the second request waits for the first and
then finds the decision made. Nothing of theirs is recorded, and they are told who
decided ("Another leader has just approved this post"): after the editor's Approve /
Request changes menu (how leaders review here) the editor says so; after a POST to
Wagtail's workflow-action URL they are sent to the post's editor, which says so.

Owns the lock-and-recheck, the message, and the two editor hooks that show it
(registered in workflows.wagtail_hooks)."""

from contextlib import contextmanager
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState

# The edit page's query parameter naming the task state a leader's decision came late for.
DECIDED_PARAM = "decided"
# The dashboard's query parameters naming the task state a leader has just decided, or
# asked for changes on without saying what (workflows.review_hooks says which).
REVIEWED_PARAM = "reviewed"
UNSENT_PARAM = "unsent"
# How a leader's approval that the consent re-check turned into "changes" begins.
CONSENT_CHANGED = "Consent changed since submission:"

_DONE = {
    TaskState.STATUS_APPROVED: "approved this post",
    TaskState.STATUS_REJECTED: "requested changes to this post",
}


@contextmanager
def decided_once(task_state):
    """Yield True with the task state's row locked until the block ends (and the task
    state reloaded), if it is still waiting for a decision; else yield False. Everything
    the decision does (publish, log, e-mail queued on commit) happens inside the block,
    in one transaction."""
    with transaction.atomic():
        status = (
            TaskState.objects.select_for_update()
            .filter(pk=task_state.pk)
            .values_list("status", flat=True)
            .first()
        )
        waiting = status == TaskState.STATUS_IN_PROGRESS
        if waiting:
            # What this request loaded may be older than what the lock now guards.
            task_state.refresh_from_db()
        yield waiting


def came_late_url(task_state):
    """Where a leader whose decision came too late is sent: the post's editor, told why."""
    page_id = task_state.workflow_state.object_id
    edit = reverse("wagtailadmin_pages:edit", args=(page_id,))
    return f"{edit}?{urlencode({DECIDED_PARAM: task_state.pk})}"


def dashboard_url(param, task_state):
    """The dashboard, naming the review a decision was taken (or refused) on."""
    return f"{reverse('wagtailadmin_home')}?{urlencode({param: task_state.pk})}"


def needs_a_comment(action_name, comment):
    """Requesting changes without saying what: the teacher would not know what to do."""
    return action_name == "reject" and not str(comment or "").strip()


def came_late_message(task_state, user):
    done = _DONE.get(task_state.status)
    if done is None:
        return (
            "This post is no longer waiting for this review (it was changed or withdrawn): "
            "your decision was not recorded."
        )
    if task_state.finished_by_id == user.pk:
        return f"You have already {done}; nothing more was done."
    return f"Another leader has just {done}: your decision was not recorded."


def say_who_decided_first(request, page):
    """Read from the task state itself, so the parameter can only ever show what is
    true of this post's own reviews."""
    task_state_id = request.GET.get(DECIDED_PARAM, "")
    if request.method != "GET" or not task_state_id.isdigit():
        return None
    task_state = (
        TaskState.objects.filter(
            pk=task_state_id, workflow_state__in=WorkflowState.objects.for_instance(page)
        )
        .exclude(status=TaskState.STATUS_IN_PROGRESS)
        .first()
    )
    if task_state is not None:
        messages.error(request, came_late_message(task_state, request.user))


def last_decision(page):
    """The post's latest review that a person ended (approved, sent back, withdrawn)."""
    return (
        TaskState.objects.filter(
            workflow_state__in=WorkflowState.objects.for_instance(page), finished_by__isnull=False
        )
        .exclude(status=TaskState.STATUS_IN_PROGRESS)
        .order_by("-finished_at", "-pk")
        .first()
    )


def say_who_decided_first_after_editing(request, page):
    """The editor's own Approve / Request changes: Wagtail ignores what on_action answers,
    and once the review has ended it quietly saves a draft instead of acting. Either way
    the leader's decision was not the one taken if nothing waits now and the latest
    decision is someone else's."""
    if request.method != "POST" or not request.POST.get("action-workflow-action"):
        return None
    if page.current_workflow_task_state is not None:  # still waiting: nobody came first
        return None
    decision = last_decision(page)
    if decision is None or decision.finished_by_id == request.user.pk:
        return None
    messages.error(request, came_late_message(decision, request.user))
    return redirect("wagtailadmin_pages:edit", page.pk)
