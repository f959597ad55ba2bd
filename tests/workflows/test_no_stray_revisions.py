"""A leader's decision saves no revision, and autosave leaves nothing behind.

Seen in a browser: "live + draft" a second after Approve. Wagtail 8's editor autosave
(on by default, every 500 ms) posts the whole edit form as JSON whenever the form data
changes; pressing Approve adds hidden inputs to the form, which is such a change, so an
autosave request with the leader's copy followed the real one. Once the review had ended,
the edit view fell back to "save draft" and saved that copy as a revision by the leader;
the editor's own workflow action also saved one whenever it saw a change in the form.
The create view's autosave made a draft post as soon as a teacher typed.

Here: the requests the editor sends (its form with the workflow inputs, and the same as
an autosave), through the real views; the settings as production loads them."""

import importlib
import json
import re
import sys

from wagtail.models import PageLogEntry, Revision, TaskState

from class_pages.models import StoryPostPage
from tests.helpers import action_url, add_url, edit_url, post_form
from tests.workflows.test_approval_race import editor_form
from tests.workflows.test_moderation_flow import browser, submitted_to_leaders

AUTOSAVE = {"HTTP_ACCEPT": "application/json"}  # what the autosave controller sends
# The editor's form tag: its controllers say whether autosave runs (the create view shows
# an idle autosave indicator either way).
EDIT_FORM = re.compile(
    r'<form[^>]*data-edit-form[^>]*data-controller="(?P<controllers>[^"]*)"[^>]*>'
)


def revisions(post):
    return list(Revision.page_revisions.filter(object_id=str(post.pk)).order_by("pk"))


def assert_only_the_teachers_revision_is_live(post, submitted, leader):
    post = StoryPostPage.objects.get(pk=post.pk)
    assert post.live
    assert post.live_revision_id == submitted.pk
    assert post.latest_revision_id == submitted.pk
    assert revisions(post)[-1].pk == submitted.pk, "a newer revision exists"
    assert not post.has_unpublished_changes
    assert not Revision.page_revisions.filter(object_id=str(post.pk), user=leader).exists()


def test_approving_from_the_editor_with_a_changed_form_saves_no_revision(world):
    """Wagtail saves the leader's copy whenever the form differs: here the title does."""
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Bean diary", "bean-diary")
    submitted = task_state.revision
    data = editor_form(post, "approve")
    data["title"] = "Bean diary (leader's copy)"

    response = browser(ns.leader).post(edit_url(post), data)

    assert response.status_code == 302
    assert_only_the_teachers_revision_is_live(post, submitted, ns.leader)
    assert StoryPostPage.objects.get(pk=post.pk).title == "Bean diary"


def test_the_autosave_that_follows_approve_saves_nothing(world):
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Seed count", "seed-count")
    submitted = task_state.revision
    leader = browser(ns.leader)
    form = editor_form(post, "approve")
    form["loaded_revision_id"] = str(submitted.pk)
    form["loaded_revision_created_at"] = submitted.created_at.isoformat()

    assert leader.post(edit_url(post), form).status_code == 302
    late = leader.post(edit_url(post), form, **AUTOSAVE)

    assert late.status_code == 400
    assert late.json()["success"] is False
    assert_only_the_teachers_revision_is_live(post, submitted, ns.leader)


def test_an_autosave_arriving_first_takes_no_decision_and_saves_nothing(world):
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Pond dip", "pond-dip")
    leader = browser(ns.leader)

    early = leader.post(edit_url(post), editor_form(post, "approve"), **AUTOSAVE)

    assert early.status_code == 400
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert revisions(post)[-1].pk == task_state.revision_id
    # The real submission still decides.
    assert leader.post(edit_url(post), editor_form(post, "approve")).status_code == 302
    assert_only_the_teachers_revision_is_live(post, task_state.revision, ns.leader)


def test_approving_from_the_dashboard_saves_no_revision(world):
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Leaf rubbing", "leaf-rubbing")

    response = browser(ns.leader).post(action_url(post, "approve", task_state), {"comment": ""})

    assert response.status_code == 302
    assert_only_the_teachers_revision_is_live(post, task_state.revision, ns.leader)


def test_requesting_changes_saves_no_revision_by_the_leader(world):
    ns = world.a
    for where in ("editor", "dashboard"):
        post, task_state = submitted_to_leaders(world, f"Bug hunt {where}", f"bug-hunt-{where}")
        leader = browser(ns.leader)
        if where == "editor":
            data = editor_form(post, "reject", comment="Please crop the photo.")
            data["title"] = "Changed by the leader"
            response = leader.post(edit_url(post), data)
        else:
            response = leader.post(
                action_url(post, "reject", task_state), {"comment": "Please crop the photo."}
            )

        assert response.status_code == 302
        task_state.refresh_from_db()
        assert task_state.status == TaskState.STATUS_REJECTED, where
        assert task_state.comment == "Please crop the photo."
        assert revisions(post)[-1].pk == task_state.revision_id, where
        assert not Revision.page_revisions.filter(object_id=str(post.pk), user=ns.leader).exists()


def test_forged_editor_action_is_refused_and_saves_nothing(world):
    """A teacher (no workflow action of theirs), and a bad extra-data field."""
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Kite day", "kite-day")
    before = revisions(post)

    response = browser(ns.teachers["Oak"]).post(edit_url(post), editor_form(post, "approve"))
    assert response.status_code == 302
    data = editor_form(post, "reject")
    data["workflow-action-extra-data"] = "{not json"
    response = browser(ns.leader).post(edit_url(post), data)

    assert response.status_code == 302  # to the dashboard: "write what should change"
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert revisions(post) == before


def test_create_view_autosave_makes_no_post(world):
    ns = world.a
    parent = ns.classes["Oak"]
    before = StoryPostPage.objects.child_of(parent).count()

    response = browser(ns.teachers["Oak"]).post(
        add_url(parent), post_form("Half typed", "half-typed", ns.images["Oak"]), **AUTOSAVE
    )

    assert response.status_code == 400
    assert json.loads(response.content)["success"] is False
    assert StoryPostPage.objects.child_of(parent).count() == before


def test_editors_load_without_autosave(world):
    ns = world.a
    post, _ = submitted_to_leaders(world, "Rain gauge", "rain-gauge")
    for user, url in (
        (ns.teachers["Oak"], add_url(ns.classes["Oak"])),
        (ns.teachers["Oak"], edit_url(post)),
        (ns.leader, edit_url(post)),
    ):
        response = browser(user).get(url)
        assert response.status_code == 200, url
        form = EDIT_FORM.search(response.content.decode())
        assert form is not None, url
        assert "w-autosave" not in form["controllers"], url
        assert "data-w-autosave-interval-value" not in form[0], url


def test_production_settings_switch_autosave_off(monkeypatch):
    """The module production runs, imported as it is (only its required secret given)."""
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.delitem(sys.modules, "cms.settings.production", raising=False)
    production = importlib.import_module("cms.settings.production")
    assert production.WAGTAIL_AUTOSAVE_INTERVAL == 0
    assert production.DEBUG is False  # it really is the production module


def test_automatic_checks_are_logged_as_the_system(world):
    ns = world.a
    teacher = ns.teachers["Oak"]
    post, task_state = submitted_to_leaders(world, "Worm farm", "worm-farm")
    entries = PageLogEntry.objects.filter(page=post)

    checks = entries.filter(action="wagtail.workflow.approve")
    assert checks.count() == 2  # consent, appropriateness
    assert set(checks.values_list("user", flat=True)) == {None}
    assert entries.get(action="wagtail.workflow.start").user == teacher
    automatic = TaskState.objects.filter(workflow_state=task_state.workflow_state).exclude(
        pk=task_state.pk
    )
    assert automatic.count() == 2
    assert set(automatic.values_list("finished_by", flat=True)) == {None}

    history = browser(ns.leader).get(f"/admin/pages/{post.pk}/history/")
    assert history.status_code == 200
    assert history.content.decode().count("system") >= 2
