"""Wagtail wiring of the leaders' review (what the dashboard and the editor do when a
leader approves or requests changes); imported by workflows.wagtail_hooks so that
Wagtail registers it.

A leader's Approve / Request changes never saves a revision. Wagtail's editor saves the
leader's copy of the form as a revision before acting whenever it sees a change, and,
once the review has ended (another leader came first, or an autosave request arriving a
moment after the real one), it falls back to "save draft" and saves one regardless: the
post showed "live + draft" by the leader. Here the editor's workflow actions are taken
on the task state directly, before Wagtail's form handling, and an edit request that
expects JSON (an editor autosave, switched off in cms.settings.base) saves nothing.

After a decision the leader lands on the dashboard, which says what was done (read from
the task state, so the query parameter can only tell the truth to the one who decided)."""

import json

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.html import format_html
from wagtail import hooks
from wagtail.models import TaskState

from workflows.approval import (
    CONSENT_CHANGED,
    REVIEWED_PARAM,
    UNSENT_PARAM,
    came_late_message,
    dashboard_url,
    last_decision,
)
from workflows.panels import awaiting_review

NO_AUTOSAVE = "Autosave is switched off here: press Save draft to keep your changes."
NOT_YOURS = "You cannot take that decision on this post: nothing was done."
NOT_WAITING = "This post is no longer waiting for review: nothing was done."


def wants_json(request):
    return request.method == "POST" and not request.accepts("text/html")


@hooks.register("before_create_page")
def refuse_autosave_on_create(request, parent_page, page_class):
    """A create-view autosave would make the post as soon as the teacher types."""
    if wants_json(request):
        return JsonResponse(
            {"success": False, "error_code": "blocked_by_hook", "error_message": NO_AUTOSAVE},
            status=400,
        )
    return None


@hooks.register("before_edit_page")
def decide_without_saving(request, page):
    """The editor's Approve / Request changes (and any autosave): nothing is saved."""
    if wants_json(request):
        return JsonResponse(
            {"success": False, "error_code": "blocked_by_hook", "error_message": NO_AUTOSAVE},
            status=400,
        )
    if request.method != "POST" or not request.POST.get("action-workflow-action"):
        return None
    task_state = page.current_workflow_task_state
    if task_state is None:  # decided, withdrawn or changed since the editor loaded
        decision = last_decision(page)
        if decision is not None and decision.finished_by_id != request.user.pk:
            messages.error(request, came_late_message(decision, request.user))
        else:
            messages.error(request, NOT_WAITING)
        return redirect("wagtailadmin_pages:edit", page.pk)
    task = task_state.task.specific
    action_name = request.POST.get("workflow-action-name", "")
    if action_name not in {name for name, _, _ in task.get_actions(page, request.user)}:
        messages.error(request, NOT_YOURS)
        return redirect("wagtailadmin_pages:edit", page.pk)
    try:
        extra = json.loads(request.POST.get("workflow-action-extra-data") or "{}")
    except ValueError:
        extra = {}
    comment = extra.get("comment") if isinstance(extra, dict) else None
    next_url = task.on_action(
        task_state.specific, request.user, action_name, comment=str(comment or "")
    )
    return redirect(next_url or dashboard_url(REVIEWED_PARAM, task_state))


def _param_id(request, name):
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def decision_message(task_state):
    """What the leader who took the decision is told about it."""
    post = task_state.workflow_state.content_object
    title = task_state.revision.object_str or post.title
    if task_state.status == TaskState.STATUS_APPROVED:
        post.refresh_from_db()
        if post.live and not post.has_unpublished_changes:
            return messages.SUCCESS, format_html("You approved “{}”: it is now live.", title)
        return messages.WARNING, format_html(
            "You approved “{}”, but it is not live: see its history for why.", title
        )
    if (task_state.comment or "").startswith(CONSENT_CHANGED):
        return messages.WARNING, format_html(
            "“{}” went back to its teacher: a pupil's consent changed since it was submitted.",
            title,
        )
    return messages.SUCCESS, format_html(
        "You asked for changes to “{}”: its teacher has your comment.", title
    )


@hooks.register("construct_homepage_panels")
def say_what_was_decided(request, panels):
    """The dashboard after a decision: what was done, or why nothing was."""
    reviewed = _param_id(request, REVIEWED_PARAM)
    if reviewed is not None:
        task_state = (
            TaskState.objects.filter(pk=reviewed, finished_by=request.user)
            .exclude(status=TaskState.STATUS_IN_PROGRESS)
            .select_related("revision", "workflow_state")
            .first()
        )
        if task_state is not None:
            level, text = decision_message(task_state)
            messages.add_message(request, level, text)
    unsent = _param_id(request, UNSENT_PARAM)
    if unsent is not None:
        task_state = awaiting_review(request.user).filter(pk=unsent).first()
        if task_state is not None:
            messages.error(
                request,
                format_html(
                    "Nothing was sent for “{}”: write what its teacher should change, "
                    "then press Request changes.",
                    task_state.revision.object_str,
                ),
            )
