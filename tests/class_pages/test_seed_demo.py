"""`manage.py seed_demo`: deterministic and rerunnable, accounts ready to sign in by
username or e-mail, the story the README tells (one pending post, carers see only their
child's class), and never under production settings."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from wagtail.models import (
    Collection,
    GroupPagePermission,
    Page,
    Revision,
    Site,
    TaskState,
    Workflow,
    WorkflowState,
)

from class_pages.demo.people import ACCOUNTS
from class_pages.models import (
    AccessChange,
    CarerLink,
    ClassImage,
    ClassPage,
    ClassPageUserObjectPermission,
    ConsentRecord,
    Enrolment,
    LiveImageUse,
    Medium,
    Pupil,
    SchoolPage,
    StoryPostPage,
    current_consent,
)
from tests.helpers import shared_rows

PASSWORD = "classpages-demo"
DEMO_ACCOUNTS = ("leader", "office", "teacher.oak", "teacher.willow", "carer.oak", "carer.willow")


def seed(**options):
    call_command("seed_demo", stdout=io.StringIO(), **options)


def page_title(object_id):
    return Page.objects.get(pk=int(object_id)).title


@pytest.fixture
def fresh_install(db):
    """An install as migrations leave it: the schools shared by other tests are removed
    inside this test's transaction (and come back when it rolls back)."""
    make_fresh_install()


@shared_rows
def seeded_demo(world):
    """seed_demo run once on a fresh install, for the module's tests that read the demo
    (each still runs in a savepoint of its own)."""
    make_fresh_install()
    seed()


@pytest.fixture
def demo(db, seeded_demo):
    """The demo as one run of seed_demo on a fresh install leaves it."""


def make_fresh_install():
    from django.contrib.auth.models import Group
    from wagtail.models import Collection, Task, Workflow

    Site.objects.all().delete()
    Page.objects.filter(depth=2).delete()
    get_user_model().objects.all().delete()
    Group.objects.exclude(name__in=["Moderators", "Editors"]).delete()
    Collection.objects.filter(depth__gt=1).delete()
    Workflow.objects.exclude(name="Moderators approval").delete()
    Task.objects.exclude(name="Moderators approval").delete()
    home = Page.get_first_root_node().add_child(
        instance=Page(title="Welcome to your new Wagtail site!", slug="home")
    )
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)


def snapshot():
    """Everything seed_demo makes, by natural keys (ids and timestamps left out where a
    rerun may legitimately differ; a rerun must create nothing, so counts are kept)."""
    users = get_user_model().objects
    return {
        "pages": sorted(
            Page.objects.values_list(
                "title",
                "url_path",
                "content_type__model",
                "live",
                "has_unpublished_changes",
                "first_published_at",
            )
        ),
        "users": sorted(
            users.values_list(
                "username", "email", "first_name", "last_name", "is_active", "is_superuser"
            )
        ),
        "memberships": sorted(users.values_list("username", "groups__name")),
        "pupils": sorted(
            Pupil.objects.values_list("school__title", "first_name", "last_name", "left_on")
        ),
        "enrolments": sorted(
            Enrolment.objects.values_list(
                "pupil__first_name", "class_page__title", "started_on", "ended_on"
            )
        ),
        "links": sorted(
            CarerLink.objects.values_list(
                "carer__username", "pupil__first_name", "relationship", "status"
            )
        ),
        "consents": sorted(
            ConsentRecord.objects.values_list(
                "pupil__first_name", "medium", "given", "method", "recorded_by__username"
            )
        ),
        "images": sorted(
            (
                image.title,
                image.collection.name,
                image.no_identifiable_pupil,
                image.width,
                image.height,
                tuple(sorted(p.first_name for p in image.pupils.all())),
            )
            for image in ClassImage.objects.all()
        ),
        "live_image_uses": sorted(LiveImageUse.objects.values_list("post__title", "image__title")),
        "grants": sorted(
            ClassPageUserObjectPermission.objects.values_list(
                "user__username", "content_object__title", "permission__codename"
            )
        ),
        "access_changes": sorted(
            AccessChange.objects.values_list("carer__username", "class_page__title", "change")
        ),
        "workflows": sorted(Workflow.objects.values_list("name", "active")),
        "workflow_states": sorted(
            (page_title(object_id), name, status)
            for object_id, name, status in WorkflowState.objects.values_list(
                "object_id", "workflow__name", "status"
            )
        ),
        "task_states": sorted(TaskState.objects.values_list("task__name", "status")),
        "revisions": Revision.objects.count(),
        "collections": sorted(Collection.objects.values_list("name", "depth")),
        "page_permissions": sorted(
            GroupPagePermission.objects.values_list(
                "group__name", "page__title", "permission__codename"
            )
        ),
        "sites": sorted(
            Site.objects.values_list("hostname", "port", "root_page__title", "is_default_site")
        ),
    }


def test_seed_demo_twice_gives_the_same_data(demo):
    first = snapshot()

    # What the demo promises (so the comparison below compares something real).
    assert {u[0] for u in first["users"]} >= set(DEMO_ACCOUNTS)
    assert [s.title for s in SchoolPage.objects.all()] == ["Demo Primary"]
    assert sorted(c.class_name for c in ClassPage.objects.all()) == ["Oak", "Willow"]
    assert StoryPostPage.objects.live().count() == 6
    assert len(first["images"]) == 4
    assert first["grants"] == [
        ("carer.oak", "Oak, 2026-27", "view_classpage"),
        ("carer.willow", "Willow, 2026-27", "view_classpage"),
    ]
    assert ("Demo Primary moderation", True) in first["workflows"]

    seed()
    second = snapshot()

    for key in first:
        assert second[key] == first[key], key


def test_seed_demo_keeps_the_default_site_on_the_school(demo):
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific_class is SchoolPage
    assert site.root_page.title == "Demo Primary"
    assert not Page.objects.filter(depth=2, content_type__model="page").exists()


def sign_in(identifier, password=PASSWORD):
    browser = Client()
    response = browser.post("/sign-in/", {"username": identifier, "password": password})
    return browser, response


def test_every_demo_account_signs_in_by_username_and_email(demo):
    failures = []
    for username in DEMO_ACCOUNTS:
        assert username in ACCOUNTS
        for identifier in (username, f"{username}@demo.invalid"):
            browser, response = sign_in(identifier)
            if response.status_code != 302 or response["Location"] != "/my-classes/":
                failures.append((identifier, response.status_code, response.get("Location")))
                continue
            landing = browser.get("/my-classes/")
            if landing.status_code != 200:
                failures.append((identifier, "my-classes", landing.status_code))
    assert failures == []


def test_wrong_password_is_refused(demo):
    for identifier in ("carer.oak", "carer.oak@demo.invalid", "nobody"):
        browser, response = sign_in(identifier, "not-the-password")
        assert response.status_code == 200, identifier
        assert "do not match an active account" in response.content.decode()
        assert browser.get("/my-classes/").status_code == 302


def test_password_option_sets_every_account(fresh_install):
    seed(password="another-long-password")
    assert sign_in("teacher.oak", "another-long-password")[1].status_code == 302
    assert sign_in("teacher.oak")[1].status_code == 200


def test_carer_oak_sees_oak_and_not_willow(demo):
    browser, response = sign_in("carer.oak")
    assert response.status_code == 302

    my_classes = browser.get("/my-classes/").content.decode()
    assert "Oak" in my_classes
    assert "Willow" not in my_classes

    oak = ClassPage.objects.get(class_name="Oak")
    willow = ClassPage.objects.get(class_name="Willow")
    oak_page = browser.get(oak.url)
    assert oak_page.status_code == 200
    assert b"Our volcano experiments" in oak_page.content
    assert b"Trip to the museum" not in oak_page.content  # still pending
    assert browser.get(willow.url).status_code == 404
    willow_post = StoryPostPage.objects.get(title="Sports day practice")
    assert willow_post.live
    assert browser.get(willow_post.url).status_code == 404


def test_exactly_one_post_is_pending_moderation(demo):
    pending = WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS)
    assert pending.count() == 1
    post = StoryPostPage.objects.get(pk=int(pending.get().object_id))
    assert post.title == "Trip to the museum"
    assert not post.live
    assert pending.get().workflow.name == "Demo Primary moderation"
    assert StoryPostPage.objects.filter(live=False).count() == 1


def test_demo_has_an_oak_pupil_without_photo_consent(demo):
    charlie = Pupil.objects.get(first_name="Charlie")
    assert Enrolment.objects.filter(pupil=charlie, class_page__class_name="Oak").exists()
    assert not current_consent(charlie, Medium.PHOTO)
    assert current_consent(charlie, Medium.PARTICIPATION)
    assert current_consent(Pupil.objects.get(first_name="Amira"), Medium.PHOTO)


def test_seed_demo_refuses_production(db, settings):
    settings.CLASSPAGES_ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not SchoolPage.objects.filter(title="Demo Primary").exists()
    assert not get_user_model().objects.filter(username__in=DEMO_ACCOUNTS).exists()
