"""Shared fixtures: two schools built from the app's factories.

`world` holds School A ("Alder Primary": classes Oak and Willow, a pupil in each, their
carers, teachers, leader, office, a published post with a photo in each class) and
School B ("Birch Primary": class Rowan with its own carer, leader and post). Tests reach
everything through the real URLs with Django's test client.

The schools are built once per test process, inside a transaction that stays open for
the whole session; each test runs in a savepoint within it (pytest-django's `db`) and
rolls back, and gets freshly loaded objects, so no test sees another's changes."""

import shutil
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.db import models, transaction
from wagtail.models import Page, Site

from class_pages.factories import (
    CarerLinkFactory,
    ClassImageFactory,
    PupilFactory,
    StoryPostPageFactory,
    UserFactory,
    create_class,
    create_school,
    enrol,
    give_consent,
)


@pytest.fixture(autouse=True)
def _empty_caches():
    """Wagtail caches renditions by image id; ids come back after each test's rollback."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _private_media():
    """Stored files go to the test settings' throwaway folder, removed at the end."""
    yield
    shutil.rmtree(django_settings.PRIVATE_MEDIA_ROOT, ignore_errors=True)


def _school_world(title, hostname, class_names, default_site=False):
    school = create_school(title, hostname=hostname, default_site=default_site)
    ns = SimpleNamespace(
        school=school, classes={}, pupils={}, carers={}, teachers={}, posts={}, images={}
    )
    ns.leader = UserFactory(username=f"leader.{hostname}")
    ns.leader.groups.add(school.leaders_group)
    ns.office = UserFactory(username=f"office.{hostname}")
    ns.office.groups.add(school.office_group)
    for name in class_names:
        class_page = create_class(school, name)
        ns.classes[name] = class_page
        teacher = UserFactory(username=f"{name.lower()}.teacher")
        teacher.groups.add(class_page.teachers_group)
        ns.teachers[name] = teacher
        pupil = PupilFactory(school=school, first_name=f"{name}kid", last_name="Smith")
        enrol(pupil, class_page)
        give_consent(pupil)
        ns.pupils[name] = pupil
        carer = UserFactory(username=f"{name.lower()}.carer")
        CarerLinkFactory(carer=carer, pupil=pupil)
        ns.carers[name] = carer
        image = ClassImageFactory(
            title=f"{name} photo", collection=class_page.collection, pupils=[pupil]
        )
        ns.images[name] = image
        ns.posts[name] = StoryPostPageFactory(
            parent=class_page, title=f"{name} news", photos=[image]
        )
    return ns


def _build_world():
    # Wagtail's placeholder home page and default site make way for the schools' sites.
    Site.objects.all().delete()
    Page.objects.filter(depth=2).delete()
    a = _school_world("Alder Primary", "testserver", ["Oak", "Willow"], default_site=True)
    b = _school_world("Birch Primary", "other.test", ["Rowan"])
    return SimpleNamespace(a=a, b=b)


def _reloaded(value):
    """A copy of the namespace with every model instance fetched again from the DB."""
    if isinstance(value, models.Model):
        return type(value)._default_manager.get(pk=value.pk)
    if isinstance(value, dict):
        return {key: _reloaded(item) for key, item in value.items()}
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{key: _reloaded(item) for key, item in vars(value).items()})
    return value


@pytest.fixture(scope="session")
def _session_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_session_world, db):
    return _reloaded(_session_world)


@pytest.fixture
def signed_in(client):
    """Return a function that signs a user in on the test client and returns it."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
