"""Each school's moderation workflow: created with the school, assigned to its class index
and whole-school story (so Wagtail's default root workflow never governs class content),
and a workflow that finishes without an approval publishes nothing."""

import pytest
from django.conf import settings
from django.test import Client
from wagtail.models import (
    AbstractGroupApprovalTask,
    Page,
    TaskState,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from class_pages.factories import StoryPostPageFactory, create_class, create_school
from class_pages.models import ClassIndexPage, SchoolStoryIndexPage, StoryPostPage
from workflows.finish import publish_approved_revision
from workflows.models import AppropriatenessCheckTask, ConsentCheckTask, LeadersApprovalTask
from workflows.school_workflow import ensure_school_workflow


def submit_form(title, slug, image):
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "kind": StoryPostPage.Kind.LEARNING,
            "event_date": "",
            "body": "A day in class.",
            "media": streamfield(
                [("photo", {"image": image.pk, "alt_text": "Class work", "caption": ""})]
            ),
            "comments": inline_formset([]),
        }
    )
    data["action-submit"] = "action-submit"
    return data


def teacher_browser(world, name="Oak"):
    browser = Client()
    browser.force_login(world.a.teachers[name])
    return browser


def fresh(page):
    return StoryPostPage.objects.get(pk=page.pk)


def leader_browser(world):
    browser = Client()
    browser.force_login(world.a.leader)
    return browser


def school_tasks(workflow):
    return [
        wt.task.specific
        for wt in WorkflowTask.objects.filter(workflow=workflow).order_by("sort_order")
    ]


def leaders_task(workflow):
    (task,) = [t for t in school_tasks(workflow) if isinstance(t, AbstractGroupApprovalTask)]
    return task


def alder_workflow():
    return Workflow.objects.get(name="Alder Primary moderation")


# --- the school's workflow ------------------------------------------------------------


def test_create_school_creates_its_moderation_workflow(db):
    school = create_school("Cedar Primary")

    workflow = Workflow.objects.get(name="Cedar Primary moderation")
    assert workflow.active
    tasks = school_tasks(workflow)
    assert [type(task) for task in tasks] == [
        ConsentCheckTask,
        AppropriatenessCheckTask,
        LeadersApprovalTask,
    ]
    assert all(task.active for task in tasks)
    approval = tasks[-1]
    assert isinstance(approval, AbstractGroupApprovalTask)
    assert list(approval.groups.all()) == [school.leaders_group]
    assert school.leaders_group.name == "Cedar Primary leaders"

    class_index = ClassIndexPage.objects.child_of(school).get()
    story_index = SchoolStoryIndexPage.objects.child_of(school).get()
    assigned = set(WorkflowPage.objects.filter(workflow=workflow).values_list("page", flat=True))
    assert assigned == {class_index.pk, story_index.pk}


def test_ensure_school_workflow_is_idempotent(db):
    school = create_school("Cedar Primary")

    def counts():
        return (
            Workflow.objects.count(),
            WorkflowTask.objects.count(),
            LeadersApprovalTask.objects.count(),
            WorkflowPage.objects.count(),
        )

    before = counts()
    again = ensure_school_workflow(school)

    assert again.name == "Cedar Primary moderation"
    assert counts() == before


def test_schools_do_not_share_approvers(world):
    a_task = leaders_task(alder_workflow())
    b_task = leaders_task(Workflow.objects.get(name="Birch Primary moderation"))
    assert a_task.pk != b_task.pk
    assert list(a_task.groups.all()) == [world.a.school.leaders_group]
    assert list(b_task.groups.all()) == [world.b.school.leaders_group]


def test_default_root_workflow_does_not_apply_to_class_content(world):
    root = Page.get_first_root_node()
    root_assignment = WorkflowPage.objects.filter(page=root).first()
    assert root_assignment is not None  # Wagtail's "Moderators approval" is still there
    a_workflow = alder_workflow()
    b_workflow = Workflow.objects.get(name="Birch Primary moderation")
    assert root_assignment.workflow not in (a_workflow, b_workflow)

    assert world.a.posts["Oak"].get_workflow() == a_workflow
    assert world.a.posts["Willow"].get_workflow() == a_workflow
    assert world.b.posts["Rowan"].get_workflow() == b_workflow
    assert world.a.classes["Oak"].get_workflow() == a_workflow

    story_index = SchoolStoryIndexPage.objects.child_of(world.a.school).get()
    story_post = StoryPostPageFactory(
        parent=story_index, title="Whole-school news", published=False
    )
    assert story_post.get_workflow() == a_workflow

    later_class = create_class(world.a.school, "Hazel")
    later_post = StoryPostPageFactory(parent=later_class, title="Hazel news", published=False)
    assert later_post.get_workflow() == a_workflow


def test_settings_route_finishing_through_the_school_action():
    assert settings.WAGTAIL_FINISH_WORKFLOW_ACTION == "workflows.finish.publish_approved_revision"
    assert settings.WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT is True


# --- finishing publishes only what a leader approved ---------------------------------


def replace_school_workflow(world, workflow):
    index = ClassIndexPage.objects.child_of(world.a.school).get()
    WorkflowPage.objects.filter(page=index).update(workflow=workflow)


def add_post(browser, class_page, title, slug, image):
    response = browser.post(
        f"/admin/pages/add/class_pages/storypostpage/{class_page.pk}/",
        submit_form(title, slug, image),
    )
    assert response.status_code == 302
    return StoryPostPage.objects.child_of(class_page).get(slug=slug)


def test_workflow_with_no_tasks_publishes_nothing(world):
    replace_school_workflow(world, Workflow.objects.create(name="Empty"))
    oak = world.a.classes["Oak"]

    post = add_post(
        teacher_browser(world), oak, "Sneaky post", "sneaky-post", world.a.images["Oak"]
    )

    assert not post.live
    assert post.live_revision_id is None
    state = WorkflowState.objects.get(object_id=str(post.pk))
    assert state.status != WorkflowState.STATUS_IN_PROGRESS  # it did finish
    assert not state.task_states.filter(status=TaskState.STATUS_APPROVED).exists()


def test_workflow_with_every_task_disabled_publishes_no_edit(world):
    """An admin switching off every step must not turn "submit" into "publish"."""
    for task in alder_workflow().tasks.all():
        task.active = False
        task.save()
    post = fresh(world.a.posts["Oak"])
    live_revision = post.live_revision_id

    response = teacher_browser(world).post(
        f"/admin/pages/{post.pk}/edit/",
        submit_form("Unreviewed words", post.slug, world.a.images["Oak"]),
    )

    assert response.status_code == 302
    post = fresh(post)
    assert post.title == "Oak news"
    assert post.live_revision_id == live_revision
    assert post.get_latest_revision().as_object().title == "Unreviewed words"


def test_automatic_checks_alone_never_publish(world):
    """With the leaders' step switched off the automatic checks still approve; their
    approval alone must not publish: submitting must never be a way to publish."""
    approval = leaders_task(alder_workflow())
    approval.active = False
    approval.save()

    post = add_post(
        teacher_browser(world),
        world.a.classes["Oak"],
        "Checked by no one",
        "checked-by-no-one",
        world.a.images["Oak"],
    )

    assert not post.live
    assert post.live_revision_id is None


def leaders_only_workflow(world):
    """A workflow whose only step is the school's leaders' approval, so that a test can
    hold a running workflow state with no approved task at all."""
    workflow = Workflow.objects.create(name="Leaders only")
    WorkflowTask.objects.create(
        workflow=workflow, task=leaders_task(alder_workflow()), sort_order=0
    )
    replace_school_workflow(world, workflow)
    return workflow


def start_workflow(world, title):
    post = StoryPostPageFactory(parent=world.a.classes["Oak"], title=title, published=False)
    revision = post.save_revision(user=world.a.teachers["Oak"])
    state = post.get_workflow().start(post, world.a.teachers["Oak"])
    return fresh(post), revision, state


def test_finish_action_without_approved_task_publishes_nothing(world):
    leaders_only_workflow(world)
    post, _, state = start_workflow(world, "Draft")
    assert state.current_task_state.status == TaskState.STATUS_IN_PROGRESS
    assert not state.task_states.filter(status=TaskState.STATUS_APPROVED).exists()

    publish_approved_revision(state, user=world.a.teachers["Oak"])

    assert not fresh(post).live


@pytest.mark.parametrize("status", [TaskState.STATUS_REJECTED, TaskState.STATUS_CANCELLED])
def test_finish_action_ignores_tasks_that_were_not_approved(world, status):
    leaders_only_workflow(world)
    post, _, state = start_workflow(world, "Not ok")
    TaskState.objects.filter(pk=state.current_task_state_id).update(status=status)

    publish_approved_revision(state, user=world.a.leader)

    assert not fresh(post).live


def test_leaders_approval_publishes_the_submitted_revision(world):
    """Control for the tests above: with the leaders' approval the finish action does
    publish, on the approver's behalf, the revision that was reviewed."""
    post, revision, state = start_workflow(world, "Reviewed")
    task_state = post.current_workflow_task_state
    assert isinstance(task_state.task.specific, LeadersApprovalTask)
    assert not post.permissions_for_user(world.a.leader).can_publish()

    task_state.task.specific.on_action(task_state, world.a.leader, "approve")

    post = fresh(post)
    assert post.live
    assert post.live_revision_id == revision.pk
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_request_changes_publishes_nothing(world):
    post = add_post(
        teacher_browser(world),
        world.a.classes["Oak"],
        "Needs work",
        "needs-work",
        world.a.images["Oak"],
    )
    task_state = post.current_workflow_task_state
    assert isinstance(task_state.task.specific, LeadersApprovalTask)

    response = leader_browser(world).post(
        f"/admin/pages/workflow/action/{post.pk}/reject/{task_state.pk}/",
        {"comment": "Please say which class trip this was."},
    )

    assert response.status_code == 302
    assert not fresh(post).live
    state = WorkflowState.objects.get(pk=task_state.workflow_state_id)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES


def test_teacher_cannot_change_a_post_while_leaders_review_it(world):
    """The post is locked for its author during review, so what the leader approves is
    what was submitted."""
    teacher = teacher_browser(world)
    post = add_post(
        teacher, world.a.classes["Oak"], "As submitted", "as-submitted", world.a.images["Oak"]
    )
    submitted_revision = post.latest_revision_id

    data = submit_form("Swapped after submitting", "as-submitted", world.a.images["Oak"])
    data.pop("action-submit")
    response = teacher.post(f"/admin/pages/{post.pk}/edit/", data)
    assert response.status_code in (200, 302)
    assert fresh(post).latest_revision_id == submitted_revision

    task_state = fresh(post).current_workflow_task_state
    leader_browser(world).post(
        f"/admin/pages/workflow/action/{post.pk}/approve/{task_state.pk}/", {"comment": ""}
    )

    post = fresh(post)
    assert post.live
    assert post.title == "As submitted"
    assert post.live_revision_id == submitted_revision
