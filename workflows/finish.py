"""The finish action of every workflow (WAGTAIL_FINISH_WORKFLOW_ACTION): publish the
approved revision on the workflow's behalf, so approvers need no `publish` permission.

A workflow that finished without a single approved task (e.g. one left with no tasks)
publishes nothing: submitting must never be a way to publish."""


def publish_approved_revision(workflow_state, user=None):
    # Imported here: Wagtail imports this module while its models are still loading.
    from wagtail.models import TaskState

    approved = workflow_state.task_states.filter(status=TaskState.STATUS_APPROVED)
    if not approved.exists():
        return
    task_state = workflow_state.current_task_state
    if task_state is not None:
        revision = task_state.revision
    else:
        revision = workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
