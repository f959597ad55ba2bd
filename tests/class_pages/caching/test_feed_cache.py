"""The cached story feed: a warm class page costs at most ten queries whatever the number
of posts, photos, classes and carers; the cache never shows a feed to someone who may not
see it, and anything that changes a feed shows on the very next request."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from class_pages.caching import tokens as feed_cache
from class_pages.factories import (
    CarerLinkFactory,
    ClassImageFactory,
    PupilFactory,
    StoryPostPageFactory,
    UserFactory,
    create_class,
    enrol,
    give_consent,
)
from class_pages.models import CarerLink, Medium, SchoolSettings, StoryPostPage
from tests.helpers import RENDITION_SRC, assert_private

WARM_QUERY_BUDGET = 10


def path_of(page):
    return urlsplit(page.get_url_parts()[2]).path


@pytest.fixture
def oak(world):
    return world.a.classes["Oak"]


def add_posts(world, oak, count, start=0, photos=1):
    for n in range(start, start + count):
        images = [
            ClassImageFactory(
                title=f"Photo {n}.{k}", collection=oak.collection, pupils=[world.a.pupils["Oak"]]
            )
            for k in range(photos)
        ]
        StoryPostPageFactory(parent=oak, title=f"Story {n:03d}", photos=images)


def warm_queries(client, path):
    """Queries of a request after another one warmed every cache."""
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), response


# --- queries -------------------------------------------------------------------------


# The quick suite's proof at 6 and 26 posts is tests/class_pages/site/test_feed.py's
# test_query_count_does_not_grow_with_posts (warm and cold, within WARM_QUERY_BUDGET).


@pytest.mark.scale
def test_warm_class_page_costs_the_same_few_queries_at_5_50_and_200_posts(world, oak, client):
    client.force_login(world.a.carers["Oak"])
    path = path_of(oak)
    counts = {}
    add_posts(world, oak, 4, photos=3)  # with the world's post: 5
    counts[5], response = warm_queries(client, path)
    assert len(RENDITION_SRC.findall(response.content.decode())) == 1 + 4 * 3
    add_posts(world, oak, 45, start=4)
    counts[50], response = warm_queries(client, path)
    assert "Story 048" in response.content.decode()
    # The extra 150 posts need no photos of their own: the page shows 20 either way.
    for n in range(49, 199):
        StoryPostPageFactory(parent=oak, title=f"Story {n:03d}")
    counts[200], response = warm_queries(client, path)
    assert "Story 198" in response.content.decode() and "Story 170" not in response.content.decode()
    assert counts[5] == counts[50] == counts[200], counts
    assert counts[5] <= WARM_QUERY_BUDGET, counts


def test_queries_do_not_grow_with_classes_or_carers(world, oak, client):
    client.force_login(world.a.carers["Oak"])
    path = path_of(oak)
    before, _ = warm_queries(client, path)
    for n in range(5):
        other = create_class(world.a.school, f"Extra {n}")
        pupil = PupilFactory(school=world.a.school)
        enrol(pupil, other)
        CarerLinkFactory(carer=world.a.carers["Oak"], pupil=pupil)
    for _ in range(5):
        CarerLinkFactory(carer=UserFactory(), pupil=world.a.pupils["Oak"])
    after, _ = warm_queries(client, path)
    assert after == before <= WARM_QUERY_BUDGET


def test_a_second_carer_of_the_class_gets_the_cached_feed(world, oak, client):
    second = UserFactory()
    CarerLinkFactory(carer=second, pupil=world.a.pupils["Oak"])
    client.force_login(world.a.carers["Oak"])
    first_body = client.get(path_of(oak)).content.decode()
    client.force_login(second)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path_of(oak))
    assert "Oak news" in response.content.decode()
    assert not [q for q in queries.captured_queries if "storypostpage" in q["sql"]]
    assert RENDITION_SRC.findall(first_body) == RENDITION_SRC.findall(response.content.decode())


# --- privacy -------------------------------------------------------------------------


def warm_oak(world, oak, client):
    client.force_login(world.a.carers["Oak"])
    response = client.get(path_of(oak))
    assert response.status_code == 200 and "Oak news" in response.content.decode()
    client.logout()


@pytest.mark.parametrize("who", ["Willow", "Rowan"])
def test_a_warm_feed_is_never_shown_to_a_carer_of_another_class(world, oak, client, who):
    warm_oak(world, oak, client)
    carers = {"Willow": world.a.carers["Willow"], "Rowan": world.b.carers["Rowan"]}
    client.force_login(carers[who])
    response = client.get(path_of(oak))
    assert response.status_code == 404
    assert b"Oak news" not in response.content
    assert not RENDITION_SRC.findall(response.content.decode())
    assert_private(response)


def test_a_warm_feed_is_never_shown_to_anonymous_visitors(world, oak, client):
    warm_oak(world, oak, client)
    response = client.get(path_of(oak))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert b"Oak news" not in response.content


@pytest.mark.parametrize("status", [CarerLink.Status.REVOKED, CarerLink.Status.SUSPENDED])
def test_a_warm_feed_is_refused_once_the_link_ends(world, oak, client, status):
    carer = world.a.carers["Oak"]
    client.force_login(carer)
    assert client.get(path_of(oak)).status_code == 200
    link = CarerLink.objects.get(carer=carer)
    link.status = status
    link.status_reason = "court order"
    link.save()
    response = client.get(path_of(oak))
    assert response.status_code == 404
    assert b"Oak news" not in response.content


def test_each_class_has_its_own_fragment(world, oak, client):
    warm_oak(world, oak, client)
    client.force_login(world.a.carers["Willow"])
    body = client.get(path_of(world.a.classes["Willow"])).content.decode()
    assert "Willow news" in body and "Oak news" not in body


@pytest.mark.parametrize("page", ["abc", "99999999999", "-1", "1.5"])
def test_page_numbers_that_are_not_small_numbers_are_not_cached(world, oak, client, page):
    client.force_login(world.a.carers["Oak"])
    client.get(path_of(oak))
    keys_before = len(cache._cache)
    response = client.get(path_of(oak), {"page": page})
    assert response.status_code == 200 and "Oak news" in response.content.decode()
    assert len(cache._cache) == keys_before


# --- what makes a feed stale ------------------------------------------------------------


def test_a_new_post_shows_on_the_next_request(world, oak, client):
    warm_oak(world, oak, client)
    StoryPostPageFactory(parent=oak, title="Sports day")
    client.force_login(world.a.carers["Oak"])
    assert "Sports day" in client.get(path_of(oak)).content.decode()


def test_an_unpublished_post_is_gone_on_the_next_request(world, oak, client):
    warm_oak(world, oak, client)
    StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk).unpublish()
    client.force_login(world.a.carers["Oak"])
    body = client.get(path_of(oak)).content.decode()
    assert "Oak news" not in body and not RENDITION_SRC.findall(body)


def test_withdrawn_photo_consent_takes_the_post_out_of_a_warm_feed(world, oak, client):
    warm_oak(world, oak, client)
    give_consent(world.a.pupils["Oak"], media=[Medium.PHOTO], given=False)
    client.force_login(world.a.carers["Oak"])
    body = client.get(path_of(oak)).content.decode()
    assert "Oak news" not in body and not RENDITION_SRC.findall(body)


def test_a_deleted_post_is_gone_on_the_next_request(world, oak, client):
    warm_oak(world, oak, client)
    StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk).delete()
    client.force_login(world.a.carers["Oak"])
    assert "Oak news" not in client.get(path_of(oak)).content.decode()


def test_turning_the_watermark_on_changes_a_warm_feed(world, oak, client):
    client.force_login(world.a.carers["Oak"])
    before = RENDITION_SRC.findall(client.get(path_of(oak)).content.decode())
    settings = SchoolSettings.for_site(world.a.school.get_site())
    settings.watermark_carer_photos = True
    settings.save()
    after = RENDITION_SRC.findall(client.get(path_of(oak)).content.decode())
    assert before and after and before != after


def test_a_deleted_photo_leaves_a_warm_feed(world, oak, client):
    warm_oak(world, oak, client)
    world.a.images["Oak"].delete()
    client.force_login(world.a.carers["Oak"])
    body = client.get(path_of(oak)).content.decode()
    assert "Oak news" in body and not RENDITION_SRC.findall(body)


def test_tokens_are_renewed_again_after_commit(world, oak, django_capture_on_commit_callbacks):
    scope = feed_cache.feed_scope(oak.path)
    (first,) = feed_cache.versions(scope)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        feed_cache.bump(scope)
    (during,) = feed_cache.versions(scope)
    assert during != first
    for callback in callbacks:
        callback()
    (after,) = feed_cache.versions(scope)
    assert after not in (first, during)


def test_a_lost_token_never_revives_an_old_fragment(world, oak, client):
    client.force_login(world.a.carers["Oak"])
    client.get(path_of(oak))
    cache.delete(f"class-pages:feed-version:{feed_cache.feed_scope(oak.path)}")
    StoryPostPage.objects.filter(pk=world.a.posts["Oak"].pk).update(title="Renamed quietly")
    assert "Renamed quietly" in client.get(path_of(oak)).content.decode()


@pytest.mark.parametrize("change", ["revoke", "new post"])
def test_with_a_cache_that_keeps_nothing_every_request_decides_afresh(
    world, oak, client, settings, change
):
    """Production without Redis uses DummyCache: tokens never match, nothing is reused."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    carer = world.a.carers["Oak"]
    client.force_login(carer)
    path = world.a.images["Oak"].get_rendition("fill-800x600").url
    assert client.get(path_of(oak)).status_code == 200
    assert client.get(path).status_code == 200
    if change == "revoke":
        link = CarerLink.objects.get(carer=carer)
        link.status = CarerLink.Status.REVOKED
        link.status_reason = "court order"
        link.save()
        assert client.get(path_of(oak)).status_code == 404
        assert client.get(path).status_code == 404
    else:
        StoryPostPageFactory(parent=oak, title="Sports day")
        assert "Sports day" in client.get(path_of(oak)).content.decode()


# --- the whole-school story: the same cache, a school-wide rule --------------------------


@pytest.fixture
def story(world):
    from class_pages.models import SchoolStoryIndexPage

    story = SchoolStoryIndexPage.objects.child_of(world.a.school).get()
    StoryPostPageFactory(parent=story, title="Whole-school assembly")
    return story


def warm_story(world, story, client):
    client.force_login(world.a.carers["Oak"])
    response = client.get(path_of(story))
    assert response.status_code == 200 and "Whole-school assembly" in response.content.decode()
    assert_private(response)
    client.logout()


def test_a_carer_of_the_same_school_shares_the_cached_story(world, story, client):
    warm_story(world, story, client)
    client.force_login(world.a.carers["Willow"])
    assert "Whole-school assembly" in client.get(path_of(story)).content.decode()


def test_a_warm_story_is_refused_to_another_school_and_to_anonymous(world, story, client):
    warm_story(world, story, client)
    response = client.get(path_of(story))
    assert response.status_code == 302 and b"Whole-school assembly" not in response.content
    client.force_login(world.b.carers["Rowan"])
    response = client.get(path_of(story))
    assert response.status_code == 404 and b"Whole-school assembly" not in response.content


def leave_school(world):
    pupil = world.a.pupils["Oak"]
    pupil.left_on = datetime.date.today()
    pupil.save()


def end_link(world):
    link = CarerLink.objects.get(carer=world.a.carers["Oak"])
    link.status = CarerLink.Status.REVOKED
    link.status_reason = "court order"
    link.save()


@pytest.mark.parametrize("change", [leave_school, end_link])
def test_a_remembered_story_answer_ends_with_the_carers_tie_to_the_school(
    world, story, client, change
):
    client.force_login(world.a.carers["Oak"])
    assert client.get(path_of(story)).status_code == 200
    assert client.get(path_of(story)).status_code == 200  # answered from memory now
    change(world)
    response = client.get(path_of(story))
    assert response.status_code == 404 and b"Whole-school assembly" not in response.content
