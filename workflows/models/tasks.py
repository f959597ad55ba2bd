"""The moderation workflow's tasks: the two automatic checks (consent, appropriateness),
which run the moment they start and keep their findings in their task state, and the
leaders' approval, which refuses self-approval while another leader could approve,
re-checks consent on approval, and lets only the first of two racing decisions stand."""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from wagtail.log_actions import LogContext, get_active_log_context
from wagtail.models import AbstractGroupApprovalTask, Task, TaskState, WorkflowState

from class_pages.access import guarding_page
from class_pages.models import Pupil, SchoolPage
from workflows.approval import (
    CONSENT_CHANGED,
    REVIEWED_PARAM,
    UNSENT_PARAM,
    came_late_url,
    dashboard_url,
    decided_once,
    needs_a_comment,
)
from workflows.checks import Finding, blocking
from workflows.checks.appropriateness import check_post
from workflows.checks.consent import check_consent
from workflows.mail import send_changes_requested
from workflows.models.rules import rules_for_school

logger = logging.getLogger(__name__)


class CheckTaskState(TaskState):
    """The state of an automatic check, with what it found."""

    findings = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "automatic check state"

    def finding_objects(self):
        return [Finding.from_dict(item) for item in self.findings or ()]


class AutomaticCheckTask(Task):
    """A task that runs by itself the moment it starts, on the revision under review
    (never the live page), and approves or requests changes. Nobody acts on it by hand.
    Each concrete task defines `run_checks(post, guard)` returning Findings."""

    task_state_class = CheckTaskState

    class Meta:
        abstract = True

    def start(self, workflow_state, user=None):
        task_state = super().start(workflow_state, user=user)
        post = task_state.revision.as_object()
        try:
            findings = self.run_checks(post, guarding_page(post))
        except Exception:  # a check that cannot run must never let a post through
            logger.exception(
                "Automatic check %s failed on revision %s", self, task_state.revision_id
            )
            findings = [
                Finding(
                    "check-failed",
                    "The automatic check could not run on this "
                    "post. Please try again, or ask a leader.",
                )
            ]
        task_state.findings = [finding.as_dict() for finding in findings]
        task_state.save(update_fields=["findings"])
        summary = summarise(findings)
        with as_the_system():
            if blocking(findings):
                task_state.reject(user=None, update=False, comment=summary)
            else:
                task_state.approve(user=None, update=False, comment=summary)
        if task_state.status == TaskState.STATUS_REJECTED:
            send_changes_requested(workflow_state, self, findings)
        return task_state

    def get_actions(self, obj, user):
        return []

    def user_can_access_editor(self, obj, user):
        return False

    def locked_for_user(self, obj, user):
        return False

    def get_task_states_user_can_moderate(self, user, **kwargs):
        return TaskState.objects.none()


def as_the_system():
    """A log context with nobody in it: Wagtail's log() falls back from `user=None` to the
    request's user, so without it the automatic checks' decisions were logged as the
    teacher who submitted. Same uuid, so the history still groups them with the submission."""
    context = LogContext(user=None, generate_uuid=False)
    context.uuid = get_active_log_context().uuid
    return context


def summarise(findings):
    if not findings:
        return "No findings."
    return "\n".join(
        f"{'• ' if finding.blocking else '◦ note: '}{finding.message} [{finding.code}]"
        for finding in findings
    )


class ConsentCheckTask(AutomaticCheckTask):
    class Meta:
        verbose_name = "consent check"

    @classmethod
    def get_description(cls):
        return "Automatic: every pupil in every photo may appear in it."

    def run_checks(self, post, guard):
        return check_consent(post, guard)


class AppropriatenessCheckTask(AutomaticCheckTask):
    class Meta:
        verbose_name = "appropriateness check"

    @classmethod
    def get_description(cls):
        return "Automatic: no offensive words, names, contact details or private matters."

    def run_checks(self, post, guard):
        school = SchoolPage.for_page(guard or post)
        return check_post(post, rules_for_school(school), Pupil.objects.filter(school=school))


class LeadersApprovalTask(AbstractGroupApprovalTask):
    """The school's leaders approve or request changes. A leader may not approve their
    own post while another leader could; approving re-checks consent first."""

    class Meta:
        verbose_name = "leaders' approval"

    @classmethod
    def get_description(cls):
        return "Members of the school's leaders group approve (not their own posts)."

    def _is_own_post(self, obj, user):
        state = (
            WorkflowState.objects.for_instance(obj)
            .filter(status=WorkflowState.STATUS_IN_PROGRESS)
            .first()
        )
        return self.refuses_self_approval(state.requested_by_id if state else None, user)

    def refuses_self_approval(self, author_id, user):
        """A leader may not approve their own post while another leader could."""
        if author_id != user.pk:
            return False
        others = self.groups.model.objects.filter(pk__in=self.groups.all()).values("user")
        users = get_user_model().objects.filter(pk__in=others, is_active=True)
        return users.exclude(pk=user.pk).exists()

    def start(self, workflow_state, user=None):
        """After "request changes" Wagtail resumes at this task; any automatic check not
        yet passed on the latest revision runs first, so an edit is checked again."""
        pending = workflow_state.get_next_task()
        if pending is not None and pending.pk != self.pk:
            return pending.specific.start(workflow_state, user=user)
        return super().start(workflow_state, user=user)

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if self._is_own_post(obj, user):
            return [action for action in actions if action[0] != "approve"]
        return actions

    def on_action(self, task_state, user, action_name, **kwargs):
        """Returns where the leader goes next: the dashboard, saying what was decided (or
        that a request for changes needs a comment), or the editor if they came late."""
        if action_name == "approve":
            obj = task_state.workflow_state.content_object
            if self._is_own_post(obj, user) or not (
                user.is_superuser or self._user_in_groups(user)
            ):
                raise PermissionDenied
        if needs_a_comment(action_name, kwargs.get("comment")):
            return dashboard_url(UNSENT_PARAM, task_state)
        # Another leader may have decided since this request loaded the task state: the
        # first decision stands, the later one is sent back to be told (workflows.approval).
        with decided_once(task_state) as waiting:
            if not waiting:
                return came_late_url(task_state)
            if action_name == "approve":
                post = task_state.revision.as_object()
                findings = blocking(check_consent(post, guarding_page(post), detect_faces=False))
                if findings:
                    task_state.reject(
                        user=user, comment=f"{CONSENT_CHANGED}\n" + summarise(findings)
                    )
                    return dashboard_url(REVIEWED_PARAM, task_state)
            super().on_action(task_state, user, action_name, **kwargs)
        return dashboard_url(REVIEWED_PARAM, task_state)
