"""The composer's two server acts on a composed post: "Check" runs the automatic checks
of the school's own workflow on the post as composed (unsaved), and "Submit for
moderation" creates the post and starts that workflow as Wagtail's create view does on
"Submit for moderation"."""

from django.db import transaction
from wagtail.models import PageSubscription, WorkflowState

from workflows.models import CheckTaskState

NO_WORKFLOW = "This class has no moderation workflow, so posts cannot be submitted. Ask a leader."


def automatic_checks(guard):
    """The automatic tasks of the workflow that posts under `guard` go through."""
    workflow = guard.get_workflow()
    tasks = [task.specific for task in workflow.tasks] if workflow else []
    return [task for task in tasks if hasattr(task, "run_checks")]


def check(post, guard):
    """Every finding the workflow's automatic checks would make on this post now."""
    return [finding for task in automatic_checks(guard) for finding in task.run_checks(post, guard)]


@transaction.atomic
def submit(post, guard, user):
    """Create the post under `guard` as a draft, save a revision as `user` (logged as the
    page's creation), start its workflow and subscribe the author to its comments.
    Returns the workflow state (in progress, or needing changes at once)."""
    workflow = guard.get_workflow()
    if workflow is None:
        raise ValueError(NO_WORKFLOW)
    guard.add_child(instance=post)
    post.save_revision(user=user, log_action=True)
    workflow.start(post, user)
    PageSubscription.objects.create(page=post, user=user, comment_notifications=True)
    return WorkflowState.objects.for_instance(post).order_by("-created_at").first()


def findings_of(state):
    """What the automatic checks found in this workflow run."""
    task_states = CheckTaskState.objects.filter(workflow_state=state).order_by("started_at")
    return [finding for task_state in task_states for finding in task_state.finding_objects()]
