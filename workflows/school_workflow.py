"""One moderation workflow per school, applied to its class index and its whole-school
story, so the default root workflow never governs class content."""

from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

from class_pages.models import ClassIndexPage, SchoolStoryIndexPage


def workflow_name(school):
    return f"{school.title} moderation"


def ensure_school_workflow(school):
    """Create (once) the school's workflow with the leaders' approval step and assign it
    to the school's class index and story index. Safe to call again."""
    if school.leaders_group_id is None:
        return None
    approval, _ = GroupApprovalTask.objects.get_or_create(name=f"{school.title} leaders' approval")
    approval.groups.add(school.leaders_group_id)
    workflow, _ = Workflow.objects.get_or_create(name=workflow_name(school))
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        WorkflowTask.objects.create(workflow=workflow, task=approval, sort_order=0)
    for index in (
        *ClassIndexPage.objects.child_of(school),
        *SchoolStoryIndexPage.objects.child_of(school),
    ):
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow
