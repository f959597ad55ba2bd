"""The story feed of a class page as a carer sees it: live posts only, newest first,
paginated without errors, and a number of queries that does not grow with the posts."""

import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from class_pages.factories import ClassImageFactory, StoryPostPageFactory, photo_block
from class_pages.models import StoryPostPage
from tests.class_pages.caching.test_feed_cache import WARM_QUERY_BUDGET
from tests.helpers import RENDITION_SRC, assert_private, shared_rows

FEED_RENDITION = "fill-800x600"


@pytest.fixture
def oak(world):
    return world.a.classes["Oak"]


@pytest.fixture
def carer(world, client):
    client.force_login(world.a.carers["Oak"])
    return client


def path_of(page):
    return urlsplit(page.get_url_parts()[2]).path


def oak_photo(world, title="Oak class photo"):
    return ClassImageFactory(
        title=title, collection=world.a.classes["Oak"].collection, pupils=[world.a.pupils["Oak"]]
    )


def titles_in(response):
    """Post titles in the order the feed shows them."""
    return re.findall(r'<h2><a href="[^"]*">([^<]+)</a></h2>', response.content.decode())


# --- what the feed shows ------------------------------------------------------------


def test_live_posts_newest_first(world, oak, carer):
    for title in ("Pond dipping", "Times tables", "Harvest festival"):
        StoryPostPageFactory(parent=oak, title=title)
    response = carer.get(path_of(oak))
    assert response.status_code == 200
    assert_private(response)
    assert titles_in(response) == ["Harvest festival", "Times tables", "Pond dipping", "Oak news"]


def test_feed_shows_only_this_class(world, oak, carer):
    titles = titles_in(carer.get(path_of(oak)))
    assert titles == ["Oak news"]
    assert "Willow news" not in titles and "Rowan news" not in titles


def test_draft_post_is_never_shown(world, oak, carer):
    photo = oak_photo(world, "Draft photo")
    draft = StoryPostPageFactory(parent=oak, title="Secret draft", published=False, photos=[photo])
    response = carer.get(path_of(oak))
    assert response.status_code == 200
    assert b"Secret draft" not in response.content
    assert titles_in(response) == ["Oak news"]
    # Not by its own URL either, nor its photo.
    assert carer.get(path_of(draft)).status_code == 404
    rendition = carer.get(photo.get_rendition(FEED_RENDITION).url)
    assert rendition.status_code == 404
    assert_private(rendition)


def test_draft_changes_to_a_live_post_are_not_shown(world, oak, carer):
    post = StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk)
    new_photo = oak_photo(world, "New photo")
    post.title = "Rewritten in draft"
    post.media = [photo_block(new_photo)]
    post.save_revision()

    feed = carer.get(path_of(oak))
    assert titles_in(feed) == ["Oak news"]
    assert b"Rewritten in draft" not in feed.content
    page = carer.get(path_of(post))
    assert page.status_code == 200
    assert b"Oak news" in page.content and b"Rewritten in draft" not in page.content
    # The photo only the draft shows is not for carers yet; the live one still is.
    assert carer.get(new_photo.get_rendition(FEED_RENDITION).url).status_code == 404
    live_photo = world.a.images["Oak"].get_rendition(FEED_RENDITION).url
    assert carer.get(live_photo).status_code == 200


def test_unpublished_post_and_its_photo_disappear_for_carers(world, oak, carer, client):
    feed = carer.get(path_of(oak))
    [photo_url] = RENDITION_SRC.findall(feed.content.decode())
    post_path = path_of(world.a.posts["Oak"])
    assert carer.get(photo_url).status_code == 200
    assert carer.get(post_path).status_code == 200

    # A fresh instance: the factory published a revision, not this in-memory object.
    StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk).unpublish()

    feed = carer.get(path_of(oak))
    assert feed.status_code == 200
    assert b"Oak news" not in feed.content
    assert photo_url.encode() not in feed.content
    assert carer.get(post_path).status_code == 404
    response = carer.get(photo_url)
    assert response.status_code == 404
    assert_private(response)

    # The file is still there for staff: the 404 is the carer rule, not a missing file.
    client.force_login(world.a.teachers["Oak"])
    assert client.get(photo_url).status_code == 200


def test_each_post_shows_its_own_photos(world, oak, carer):
    photo = oak_photo(world, "Pond photo")
    StoryPostPageFactory(parent=oak, title="Pond dipping", photos=[photo])
    response = carer.get(path_of(oak))
    html = response.content.decode()
    shown = RENDITION_SRC.findall(html)
    assert shown == [
        photo.get_rendition(FEED_RENDITION).url,
        world.a.images["Oak"].get_rendition(FEED_RENDITION).url,
    ]
    for url in shown:
        assert carer.get(url).status_code == 200


# --- pagination ---------------------------------------------------------------------


@shared_rows
def many_posts(world):
    """21 posts more than the world's one: 22 in all, two pages of 20 (made once for the
    module)."""
    oak = world.a.classes["Oak"]
    return [StoryPostPageFactory(parent=oak, title=f"Story {n:02d}").pk for n in range(1, 22)]


def test_first_page_shows_the_newest_twenty(world, oak, carer, many_posts):
    response = carer.get(path_of(oak))
    assert response.status_code == 200
    titles = titles_in(response)
    assert titles == [f"Story {n:02d}" for n in range(21, 1, -1)]
    assert b"Page 1 of 2" in response.content
    assert b'href="?page=2"' in response.content


def test_second_page_shows_the_oldest(world, oak, carer, many_posts):
    response = carer.get(path_of(oak), {"page": "2"})
    assert response.status_code == 200
    assert_private(response)
    assert titles_in(response) == ["Story 01", "Oak news"]
    assert b"Page 2 of 2" in response.content


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("abc", "Page 1 of 2"),
        ("", "Page 1 of 2"),
        ("0", "Page 2 of 2"),
        ("-1", "Page 2 of 2"),
        ("9999", "Page 2 of 2"),
        ("1.5", "Page 1 of 2"),
        ("<script>alert(1)</script>", "Page 1 of 2"),
        ("99999999999999999999999999", "Page 2 of 2"),
    ],
)
def test_odd_page_numbers_answer_200(world, oak, carer, many_posts, page, shown):
    response = carer.get(path_of(oak), {"page": page})
    assert response.status_code == 200
    assert_private(response)
    assert shown.encode() in response.content
    assert b"<script>alert(1)</script>" not in response.content


# --- queries do not grow with the posts shown --------------------------------------


def _measure(client, path):
    """Queries of one request after a warm-up (renditions generated), with warm caches
    and with every cache emptied (as after a restart: nothing may hide per-post queries
    then either)."""
    client.get(path)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(path)
    assert response.status_code == 200
    for cache in caches.all():
        cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(path).status_code == 200
    return len(warm), len(cold), response


def test_query_count_does_not_grow_with_posts(world, oak, carer):
    path = path_of(oak)

    def add_posts(count, start):
        for n in range(start, start + count):
            StoryPostPageFactory(
                parent=oak, title=f"Story {n:02d}", photos=[oak_photo(world, f"Photo {n}")]
            )

    add_posts(5, 1)
    few_warm, few_cold, response = _measure(carer, path)
    assert len(titles_in(response)) == 6  # 5 + the world's post
    assert len(RENDITION_SRC.findall(response.content.decode())) == 6

    add_posts(20, 6)
    many_warm, many_cold, response = _measure(carer, path)
    assert len(titles_in(response)) == 20  # a full page, each post with its photo
    assert len(RENDITION_SRC.findall(response.content.decode())) == 20

    print(
        f"\nclass page queries, warm caches: {few_warm} with 6 posts shown, {many_warm} with 20"
        f" of 26; caches emptied: {few_cold} and {many_cold}"
    )
    assert many_warm == few_warm <= WARM_QUERY_BUDGET
    assert many_cold == few_cold
