"""The finish action of every workflow (WAGTAIL_FINISH_WORKFLOW_ACTION): re-check
consent at the moment of publishing, then publish the approved revision on the
workflow's behalf, so approvers need no `publish` permission.

A workflow that finished without a person approving it (no tasks left, or only the
automatic checks active) publishes nothing: submitting must never be a way to publish."""

import logging

logger = logging.getLogger(__name__)


def publish_approved_revision(workflow_state, user=None):
    # Imported here: Wagtail imports this module while its models are still loading.
    from wagtail.log_actions import log
    from wagtail.models import TaskState

    from class_pages.access import guarding_page
    from workflows.checks import blocking
    from workflows.checks.consent import check_consent
    from workflows.mail import send_publish_refused

    approved_by_person = workflow_state.task_states.filter(
        status=TaskState.STATUS_APPROVED, finished_by__isnull=False
    )
    if not approved_by_person.exists():
        logger.warning(
            "Workflow state %s finished with no approval; not published.", workflow_state.pk
        )
        return
    task_state = workflow_state.current_task_state
    if task_state is not None:
        revision = task_state.revision
    else:
        revision = workflow_state.content_object.get_latest_revision()
    post = revision.as_object()
    findings = blocking(check_consent(post, guarding_page(post), detect_faces=False))
    if findings:
        log(
            instance=post,
            action="workflows.publish_refused",
            user=user,
            data={"findings": [finding.as_dict() for finding in findings]},
        )
        send_publish_refused(workflow_state, findings)
        return
    revision.publish(user=user, skip_permission_checks=True)
