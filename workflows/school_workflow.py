"""One moderation workflow per school, applied to its class index and its whole-school
story, so the default root workflow never governs class content. Its steps: the consent
check, the appropriateness check (both automatic), then the leaders' approval."""

from wagtail.models import Workflow, WorkflowPage, WorkflowTask

from class_pages.models import ClassIndexPage, SchoolStoryIndexPage
from workflows.models import AppropriatenessCheckTask, ConsentCheckTask, LeadersApprovalTask


def workflow_name(school):
    return f"{school.title} moderation"


def school_tasks(school):
    consent, _ = ConsentCheckTask.objects.get_or_create(name=f"{school.title}: consent check")
    fitting, _ = AppropriatenessCheckTask.objects.get_or_create(
        name=f"{school.title}: appropriateness check"
    )
    approval, _ = LeadersApprovalTask.objects.get_or_create(
        name=f"{school.title}: leaders' approval"
    )
    approval.groups.add(school.leaders_group_id)
    return [consent, fitting, approval]


def ensure_school_workflow(school):
    """Create (or repair) the school's workflow and assign it to the school's class
    index and story index. Safe to call again."""
    if school.leaders_group_id is None:
        return None
    tasks = school_tasks(school)
    workflow, _ = Workflow.objects.get_or_create(name=workflow_name(school))
    current = list(
        WorkflowTask.objects.filter(workflow=workflow)
        .order_by("sort_order")
        .values_list("task_id", flat=True)
    )
    if current != [task.pk for task in tasks]:
        WorkflowTask.objects.filter(workflow=workflow).delete()
        WorkflowTask.objects.bulk_create(
            [
                WorkflowTask(workflow=workflow, task=task, sort_order=i)
                for i, task in enumerate(tasks)
            ]
        )
    for index in (
        *ClassIndexPage.objects.child_of(school),
        *SchoolStoryIndexPage.objects.child_of(school),
    ):
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow
