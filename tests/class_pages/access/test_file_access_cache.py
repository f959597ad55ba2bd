"""Remembered "yes" answers of the file view: a repeat fetch is cheap, and every change
that ends someone's right to a file is obeyed on the very next fetch even though the
earlier "yes" is still in the cache."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import GroupCollectionPermission

from class_pages.factories import give_consent
from class_pages.models import CarerLink, Enrolment, Medium, StoryPostPage
from tests.class_pages.access.test_carer_access import FEED_RENDITION


def rendition_path(world, name="Oak"):
    return world.a.images[name].get_rendition(FEED_RENDITION).url


def fetch_twice(client, path):
    """Two fetches: the first decides from the database, the second may be remembered."""
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_a_repeat_fetch_is_answered_from_the_remembered_decision(world, client):
    client.force_login(world.a.carers["Oak"])
    path = rendition_path(world)
    with CaptureQueriesContext(connection) as first:
        assert client.get(path).status_code == 200
    deciding = len(first)  # read now: the next request empties the log
    repeat = fetch_twice(client, path)
    assert repeat <= 2 < deciding, (repeat, deciding)


def test_another_carer_does_not_inherit_a_remembered_yes(world, client):
    client.force_login(world.a.carers["Oak"])
    fetch_twice(client, rendition_path(world))
    client.force_login(world.a.carers["Willow"])
    assert client.get(rendition_path(world)).status_code == 404
    client.force_login(world.b.carers["Rowan"])
    assert client.get(rendition_path(world)).status_code == 404


def revoke_link(world):
    link = CarerLink.objects.get(carer=world.a.carers["Oak"])
    link.status = CarerLink.Status.REVOKED
    link.status_reason = "court order"
    link.save()


def end_enrolment(world):
    Enrolment.objects.filter(pupil=world.a.pupils["Oak"]).delete()


def unpublish_post(world):
    StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk).unpublish()


def withdraw_photo_consent(world):
    give_consent(world.a.pupils["Oak"], media=[Medium.PHOTO], given=False)


def disable_account(world):
    carer = world.a.carers["Oak"]
    carer.is_active = False
    carer.save()


def delete_post(world):
    StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk).delete()


@pytest.mark.parametrize(
    "change",
    [
        revoke_link,
        end_enrolment,
        unpublish_post,
        withdraw_photo_consent,
        disable_account,
        delete_post,
    ],
)
def test_a_remembered_yes_is_not_used_after_the_right_ends(world, client, change):
    client.force_login(world.a.carers["Oak"])
    path = rendition_path(world)
    fetch_twice(client, path)
    change(world)
    response = client.get(path)
    assert response.status_code in (302, 404)
    assert response.status_code != 200


def test_a_teacher_removed_from_the_class_loses_the_original_at_once(world, client):
    teacher = world.a.teachers["Oak"]
    client.force_login(teacher)
    original = world.a.images["Oak"].file.url
    fetch_twice(client, original)
    teacher.groups.remove(world.a.classes["Oak"].teachers_group)
    assert client.get(original).status_code == 404


def test_a_collection_permission_taken_away_is_obeyed_at_once(world, client):
    teacher = world.a.teachers["Oak"]
    client.force_login(teacher)
    original = world.a.images["Oak"].file.url
    fetch_twice(client, original)
    GroupCollectionPermission.objects.filter(group=world.a.classes["Oak"].teachers_group).delete()
    assert client.get(original).status_code == 404


def test_a_repeat_fetch_costs_three_cache_round_trips(world, client, monkeypatch):
    """The session; the person with their token and the agreement gate's token; the
    remembered answer with the school's and the permissions' tokens. Nothing else, and no
    query. (A get_many is one round trip to Redis; the memory cache of the tests runs it as
    several gets, which are not counted.)"""
    from django.core.cache import cache

    client.force_login(world.a.carers["Oak"])
    path = rendition_path(world)
    fetch_twice(client, path)
    reads, depth = [], [0]
    for method in ("get", "get_many"):
        original = getattr(cache, method)

        def counting(*args, _original=original, _method=method, **kwargs):
            if not depth[0]:
                reads.append((_method, args[:1]))
            depth[0] += 1
            try:
                return _original(*args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(cache, method, counting)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    assert len(queries) == 0
    assert len(reads) == 3, "\n".join(map(str, reads))
