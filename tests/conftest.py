"""Shared fixtures: two schools built from the app's factories.

`world` holds School A ("Alder Primary": classes Oak and Willow, a pupil in each, their
carers, teachers, leader, office, a published post with a photo in each class) and
School B ("Birch Primary": class Rowan with its own carer, leader and post). Tests reach
everything through the real URLs with Django's test client."""

from types import SimpleNamespace

import pytest
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


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes files to its own private folder (FileSystemStorage re-reads
    MEDIA_ROOT when the setting changes)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT


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
        teacher = UserFactory(username=f"teacher.{name.lower()}")
        teacher.groups.add(class_page.teachers_group)
        ns.teachers[name] = teacher
        pupil = PupilFactory(school=school, first_name=f"{name}kid", last_name="Smith")
        enrol(pupil, class_page)
        give_consent(pupil)
        ns.pupils[name] = pupil
        carer = UserFactory(username=f"carer.{name.lower()}")
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


@pytest.fixture
def world(db):
    # Wagtail's placeholder home page and default site make way for the schools' sites.
    Site.objects.all().delete()
    Page.objects.filter(depth=2).delete()
    a = _school_world("Alder Primary", "testserver", ["Oak", "Willow"], default_site=True)
    b = _school_world("Birch Primary", "other.test", ["Rowan"])
    return SimpleNamespace(a=a, b=b)


@pytest.fixture
def signed_in(client):
    """Return a function that signs a user in on the test client and returns it."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
