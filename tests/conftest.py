"""Shared fixtures: two schools built from the app's factories.

`world` holds School A ("Alder Primary": classes Oak and Willow, a pupil in each, their
carers, teachers, leader, office, a published post with a photo in each class) and
School B ("Birch Primary": class Rowan with its own carer, leader and post). Tests reach
everything through the real URLs with Django's test client.

The schools are built once per test process, inside a transaction that stays open for
the whole session; each test runs in a savepoint within it (pytest-django's `db`) and
rolls back, and gets freshly loaded objects, so no test sees another's changes.

Speed (the quick suite has a budget of 90 s on two cores): the migrated database is
copied from a snapshot (tests/db_snapshot.py), the world's freshly loaded objects are
unpickled from one load per database state, and the garbage collector skips the
long-lived objects of Django, Wagtail and the world."""

import gc
import pickle
import shutil
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
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
from tests import db_snapshot
from tests.helpers import SHARED_ROWS, _reloaded

db_snapshot.install()
# A process of the suite holds some 300,000 long-lived objects; with the default
# threshold (700) a full collection walked them all every few requests, a quarter of
# the suite's CPU time.
gc.set_threshold(50_000, 20, 100)


def pytest_collection_modifyitems(items):
    """A module's tests that use its shared rows (tests.helpers.shared_rows) run after
    its other tests, which so never see those rows (they stay until the module ends)."""
    by_module = {}
    for item in items:
        by_module.setdefault(getattr(item, "module", None), []).append(item)
    ordered = []
    for module_items in by_module.values():
        uses = [SHARED_ROWS.intersection(getattr(i, "fixturenames", ())) for i in module_items]
        assert len(set().union(*uses)) <= 1, f"one set of shared rows per module: {uses}"
        ordered += [item for item, used in zip(module_items, uses, strict=True) if not used]
        ordered += [item for item, used in zip(module_items, uses, strict=True) if used]
    items[:] = ordered


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


@pytest.fixture(scope="session")
def _session_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = _build_world()
            gc.collect()
            gc.freeze()
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


_loaded = {}


@pytest.fixture
def world(_session_world, db):
    """The world as loaded from the database (not as built: no cached relations).

    Loading it took ~30 ms a test; the load is pickled once per state of the database
    outside this test's savepoint, named by the open savepoints (a module's fixtures
    that add rows open one of their own, see test_roles.py), and unpickled for each test:
    the same objects, never shared between tests."""
    state = tuple(connection.savepoint_ids[:-1])
    if state not in _loaded:
        _loaded.clear()
        _loaded[state] = pickle.dumps(_reloaded(_session_world))
    return pickle.loads(_loaded[state])  # noqa: S301 (pickled by this process above)


@pytest.fixture
def signed_in(client):
    """Return a function that signs a user in on the test client and returns it."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
