"""Staff rights in the Wagtail admin, through its real URLs: a teacher edits and adds posts
under their own class only and can never publish or unpublish; every post goes live only
through the school's workflow, approved by that school's leaders; page choosers show a
teacher no other class's titles."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.models import (
    GroupPagePermission,
    Page,
    PageLogEntry,
    TaskState,
    WorkflowState,
)
from wagtail.permission_policies.pages import PagePermissionPolicy

from class_pages.factories import UserFactory
from class_pages.models import ClassIndexPage, SchoolPage, StoryPostPage
from tests.helpers import add_url, edit_url, post_form

ADMIN_HOME = "/admin/"


# --- helpers -----------------------------------------------------------------------


def approve_url(page, task_state):
    return f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/"


def assert_refused(response):
    """What Wagtail does when the user lacks a page permission: a redirect to the admin
    home with a permission message (or, for some views, 403/404)."""
    if response.status_code == 302:
        assert response["Location"] == ADMIN_HOME
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("permission" in m for m in messages), messages
    else:
        assert response.status_code in (403, 404)


def carer_client(user):
    """A separate browser for the carer: the staff member's flash messages (which name
    draft titles) stay in the staff browser's cookies, as they would in real life."""
    carer = Client()
    carer.force_login(user)
    return carer


def class_index(school):
    return ClassIndexPage.objects.child_of(school).get()


def fresh(page):
    return StoryPostPage.objects.get(pk=page.pk)


def submit_as_teacher(client, world, title="Harvest display"):
    post = world.a.posts["Oak"]
    client.force_login(world.a.teachers["Oak"])
    response = client.post(
        edit_url(post), post_form(title, post.slug, world.a.images["Oak"], "action-submit")
    )
    assert response.status_code == 302
    post = fresh(post)
    assert post.current_workflow_task_state is not None
    return post, post.current_workflow_task_state


# --- teacher: own class only --------------------------------------------------------


def test_teacher_opens_edit_and_add_views_of_own_class(world, client):
    client.force_login(world.a.teachers["Oak"])

    edit = client.get(edit_url(world.a.posts["Oak"]))
    add = client.get(add_url(world.a.classes["Oak"]))

    assert edit.status_code == 200
    assert b"Oak news" in edit.content
    assert add.status_code == 200


@pytest.mark.parametrize(
    ("school_key", "class_name"), [("a", "Willow"), ("b", "Rowan")], ids=["willow", "rowan"]
)
def test_teacher_is_refused_edit_view_of_another_class(world, client, school_key, class_name):
    target = getattr(world, school_key).posts[class_name]
    client.force_login(world.a.teachers["Oak"])

    assert_refused(client.get(edit_url(target)))

    response = client.post(
        edit_url(target),
        post_form("Hijacked", target.slug, world.a.images["Oak"], "action-submit"),
    )
    assert_refused(response)
    target = fresh(target)
    assert target.title == f"{class_name} news"
    assert target.latest_revision_id == target.live_revision_id
    assert not WorkflowState.objects.filter(object_id=str(target.pk)).exists()


@pytest.mark.parametrize(
    ("school_key", "class_name"), [("a", "Willow"), ("b", "Rowan")], ids=["willow", "rowan"]
)
def test_teacher_is_refused_add_view_under_another_class(world, client, school_key, class_name):
    parent = getattr(world, school_key).classes[class_name]
    children_before = parent.get_children().count()
    client.force_login(world.a.teachers["Oak"])

    assert_refused(client.get(add_url(parent)))

    response = client.post(
        add_url(parent), post_form("Intruder", "intruder", world.a.images["Oak"], "action-submit")
    )
    assert_refused(response)
    assert parent.get_children().count() == children_before
    assert not Page.objects.filter(slug="intruder").exists()


def test_teacher_edit_view_offers_submit_but_no_publish(world, client):
    client.force_login(world.a.teachers["Oak"])
    html = client.get(edit_url(world.a.posts["Oak"])).content.decode()
    assert 'name="action-submit"' in html
    assert 'name="action-publish"' not in html

    add_html = client.get(add_url(world.a.classes["Oak"])).content.decode()
    assert 'name="action-submit"' in add_html
    assert 'name="action-publish"' not in add_html


def test_teacher_add_with_action_publish_creates_a_draft_only(world, client):
    oak = world.a.classes["Oak"]
    client.force_login(world.a.teachers["Oak"])

    response = client.post(
        add_url(oak),
        post_form("Seed planting", "seed-planting", world.a.images["Oak"], "action-publish"),
    )

    assert response.status_code == 302
    post = StoryPostPage.objects.child_of(oak).get(slug="seed-planting")
    assert post.owner == world.a.teachers["Oak"]
    assert post.latest_revision_id is not None
    assert not post.live
    assert post.live_revision_id is None
    assert post.first_published_at is None
    assert not PageLogEntry.objects.filter(page=post, action="wagtail.publish").exists()

    carer = carer_client(world.a.carers["Oak"])
    assert carer.get(f"{oak.url}seed-planting/").status_code == 404


def test_teacher_edit_with_action_publish_changes_no_live_content(world, client):
    post = fresh(world.a.posts["Oak"])
    live_revision = post.live_revision_id
    assert live_revision is not None
    client.force_login(world.a.teachers["Oak"])

    response = client.post(
        edit_url(post),
        post_form("Unapproved words", post.slug, world.a.images["Oak"], "action-publish"),
    )

    assert response.status_code in (200, 302)
    post = fresh(post)
    assert post.live
    assert post.title == "Oak news"
    assert post.live_revision_id == live_revision
    assert post.get_latest_revision().as_object().title == "Unapproved words"

    page = carer_client(world.a.carers["Oak"]).get(post.url)
    assert page.status_code == 200
    assert b"Oak news" in page.content
    assert b"Unapproved words" not in page.content


def test_teacher_submit_on_edit_starts_school_workflow(world, client):
    post = world.a.posts["Oak"]
    client.force_login(world.a.teachers["Oak"])

    response = client.post(
        edit_url(post),
        post_form("Oak news, updated", post.slug, world.a.images["Oak"], "action-submit"),
    )

    assert response.status_code == 302
    state = WorkflowState.objects.get(object_id=str(post.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Alder Primary moderation"
    assert state.requested_by == world.a.teachers["Oak"]
    task_state = state.current_task_state
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert set(task_state.task.specific.groups.all()) == {world.a.school.leaders_group}
    post = fresh(post)
    assert post.title == "Oak news"  # the live version is untouched until approval


def test_teacher_submit_of_new_post_starts_school_workflow(world, client):
    oak = world.a.classes["Oak"]
    client.force_login(world.a.teachers["Oak"])

    client.post(
        add_url(oak),
        post_form("Autumn walk", "autumn-walk", world.a.images["Oak"], "action-submit"),
    )

    post = StoryPostPage.objects.child_of(oak).get(slug="autumn-walk")
    assert not post.live
    state = WorkflowState.objects.get(object_id=str(post.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Alder Primary moderation"


def test_teacher_cannot_unpublish_a_live_post_of_own_class(world, client):
    post = world.a.posts["Oak"]
    client.force_login(world.a.teachers["Oak"])

    assert_refused(client.get(f"/admin/pages/{post.pk}/unpublish/"))
    assert_refused(client.post(f"/admin/pages/{post.pk}/unpublish/", {}))

    assert fresh(post).live
    assert carer_client(world.a.carers["Oak"]).get(post.url).status_code == 200


def test_teacher_opens_own_post_while_it_is_in_moderation(world, client):
    post, _ = submit_as_teacher(client, world, title="Waiting for a leader")

    response = client.get(edit_url(post))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="action-publish"' not in html
    assert 'name="action-approve"' not in html


def test_teacher_cannot_approve_own_submission(world, client):
    post = world.a.posts["Oak"]
    teacher = world.a.teachers["Oak"]
    client.force_login(teacher)
    client.post(
        edit_url(post),
        post_form("Self-approved", post.slug, world.a.images["Oak"], "action-submit"),
    )
    task_state = fresh(post).current_workflow_task_state

    assert_refused(client.post(approve_url(post, task_state), {"comment": ""}))

    post = fresh(post)
    assert post.title == "Oak news"
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS


# --- leaders: their school only, approval without publish ---------------------------


def test_leader_explores_every_class_of_own_school(world, client):
    client.force_login(world.a.leader)
    response = client.get(f"/admin/pages/{class_index(world.a.school).pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Oak, 2026-27" in html
    assert "Willow, 2026-27" in html
    assert "Rowan" not in html


@pytest.mark.parametrize("which", ["class_index", "class_page"])
def test_leader_cannot_explore_another_schools_classes(world, client, which):
    target = class_index(world.b.school) if which == "class_index" else world.b.classes["Rowan"]
    client.force_login(world.a.leader)

    response = client.get(f"/admin/pages/{target.pk}/")

    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert str(target.pk) not in response["Location"].strip("/").split("/")
        landing = client.get(response["Location"])
        assert "Rowan" not in landing.content.decode()
    else:
        assert "Rowan" not in response.content.decode()


def test_leader_approves_through_workflow_without_publish_permission(world, client):
    post, task_state = submit_as_teacher(client, world)
    leader = world.a.leader
    assert not post.permissions_for_user(leader).can_publish()
    assert not post.permissions_for_user(leader).can_unpublish()

    client.force_login(leader)
    response = client.post(approve_url(post, task_state), {"comment": ""})

    assert response.status_code == 302
    post = fresh(post)
    assert post.live
    assert post.title == "Harvest display"
    assert post.live_revision_id == task_state.revision_id
    assert WorkflowState.objects.get(pk=task_state.workflow_state_id).status == (
        WorkflowState.STATUS_APPROVED
    )
    assert b"Harvest display" in carer_client(world.a.carers["Oak"]).get(post.url).content


def test_leader_of_another_school_cannot_approve(world, client):
    post, task_state = submit_as_teacher(client, world, title="Not for Birch")
    live_revision = post.live_revision_id

    client.force_login(world.b.leader)
    assert_refused(client.post(approve_url(post, task_state), {"comment": ""}))

    post = fresh(post)
    assert post.title == "Oak news"
    assert post.live_revision_id == live_revision
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert task_state.workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


def test_leader_of_another_school_cannot_approve_a_new_post(world, client):
    oak = world.a.classes["Oak"]
    client.force_login(world.a.teachers["Oak"])
    client.post(
        add_url(oak), post_form("Brand new", "brand-new", world.a.images["Oak"], "action-submit")
    )
    post = StoryPostPage.objects.child_of(oak).get(slug="brand-new")
    task_state = post.current_workflow_task_state

    client.force_login(world.b.leader)
    assert_refused(client.post(approve_url(post, task_state), {"comment": ""}))

    post = fresh(post)
    assert not post.live
    assert post.live_revision_id is None


# --- nobody but a superuser holds publish -------------------------------------------


def test_no_group_holds_publish_over_any_school(world):
    publish_rows = list(
        GroupPagePermission.objects.filter(permission__codename="publish_page").select_related(
            "page", "group"
        )
    )
    for school in SchoolPage.objects.all():
        reaching = [
            (row.group.name, row.page.title)
            for row in publish_rows
            if school.path.startswith(row.page.path) or row.page.path.startswith(school.path)
        ]
        assert reaching == [], school.title


def test_only_superusers_may_publish_class_content(world):
    root = UserFactory(username="root", is_superuser=True)
    policy = PagePermissionPolicy()
    staff = [
        *(getattr(world, key).leader for key in ("a", "b")),
        *(getattr(world, key).office for key in ("a", "b")),
        *world.a.teachers.values(),
        *world.b.teachers.values(),
    ]
    posts = list(StoryPostPage.objects.all())
    assert len(posts) == 3
    for post in posts:
        publishers = policy.users_with_permission_for_instance("publish", post)
        assert list(publishers) == [root], post.title
        for user in staff:
            perms = post.permissions_for_user(user)
            assert not perms.can_publish(), (user.username, post.title)
            assert not perms.can_unpublish(), (user.username, post.title)


# --- page chooser --------------------------------------------------------------------


def chooser_html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/choose-page/",
        "/admin/choose-page/search/?q=Willow",
        "/admin/choose-page/search/?q=Rowan",
        "/admin/choose-page/search/?q=news",
    ],
)
def test_page_chooser_hides_other_classes_from_teacher(world, client, url):
    client.force_login(world.a.teachers["Oak"])
    html = chooser_html(client, url)
    assert "Willow" not in html
    assert "Rowan" not in html


def test_page_chooser_shows_teacher_own_class(world, client):
    """Control for the test above: the chooser does list what the teacher may see."""
    client.force_login(world.a.teachers["Oak"])
    assert "Oak news" in chooser_html(client, "/admin/choose-page/search/?q=news")
    index_html = chooser_html(client, f"/admin/choose-page/{class_index(world.a.school).pk}/")
    assert "Oak, 2026-27" in index_html
    assert "Willow" not in index_html


def test_page_chooser_search_finds_other_classes_for_superuser(world, client):
    """Control: the titles the teacher must not see are there to be found."""
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert "Willow news" in chooser_html(client, "/admin/choose-page/search/?q=Willow")
    assert "Rowan news" in chooser_html(client, "/admin/choose-page/search/?q=Rowan")


@pytest.mark.parametrize(
    ("school_key", "class_name", "what"),
    [("a", "Willow", "class"), ("b", "Rowan", "class"), ("b", "Rowan", "post")],
)
def test_page_chooser_browse_by_id_shows_no_foreign_title(
    world, client, school_key, class_name, what
):
    """Browsing the chooser at another class's page id must not reveal its title (nor
    its posts' titles)."""
    school = getattr(world, school_key)
    target = school.classes[class_name] if what == "class" else school.posts[class_name]
    client.force_login(world.a.teachers["Oak"])

    response = client.get(reverse("wagtailadmin_choose_page_child", args=[target.pk]))

    if response.status_code == 200:
        html = response.content.decode()
        assert class_name not in html
    else:
        assert response.status_code in (302, 403, 404)
