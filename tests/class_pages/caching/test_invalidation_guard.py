"""The invalidation guard: every database table that a cold feed, file decision or page
decision reads is kept fresh by a row of the invalidation table
(class_pages.caching.invalidation) or is on the allow-list below with its reason. A new
dependency nobody watches then fails here instead of serving a stale feed or a stale
"yes" for ten minutes. The rows themselves are tested in test_invalidation_rows.py."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents import get_document_model

from class_pages import agreements
from class_pages.access import remembered
from class_pages.caching import invalidation
from class_pages.factories import StoryPostPageFactory
from class_pages.models import PolicyPage, SchoolStoryIndexPage

# Tables a cached answer may read without a row, and why that is safe.
ALLOWED = {
    # The session store: read by its own engine on each request, never part of an answer.
    "django_session": "session engine",
    # Permission and content type rows are made by migrations, never while serving; who
    # holds a permission is watched (group permissions, collection permissions, grants).
    "auth_permission": "migrations",
    "django_content_type": "migrations",
    # One language, set up by migrations: no page changes locale here.
    "wagtailcore_locale": "migrations",
    # The agreement gate remembers only "nothing pending", and an acceptance only ever
    # makes less pending; acceptances are never withdrawn (they go only with their person
    # or their agreement, and both are watched).
    "class_pages_policyacceptance": "only shrinks what the gate remembers",
}

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
# Django quotes every table it names; a subquery opens with a parenthesis.
TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"(\w+)"')
UNREAD = re.compile(r'\b(?:FROM|JOIN)\s+(?!["(])')


def tables_read(queries):
    """The tables named by FROM and JOIN in the captured SQL."""
    tables = set()
    for query in queries.captured_queries:
        sql = query["sql"]
        assert not UNREAD.search(sql), f"a table the guard cannot read: {sql}"
        tables.update(TABLE.findall(sql))
    return tables


def uncovered(tables, table=invalidation.WATCHES):
    covered = {model._meta.db_table for model in invalidation.watched_models(table)}
    return tables - covered - set(ALLOWED)


def path_of(page):
    return urlsplit(page.get_url_parts()[2]).path


@pytest.fixture
def served(world):
    """The addresses a carer of Oak fetches, in a world where every consumer has work: a
    live post with a photo and one with a recording, the school story with a post, and a
    live agreement the carer has accepted."""
    oak, carer = world.a.classes["Oak"], world.a.carers["Oak"]
    media = get_document_model()(title="Clip", kind="video", collection=oak.collection)
    media.file.save("clip.mp4", ContentFile(MP4), save=True)
    media.pupils.set([world.a.pupils["Oak"]])
    recording = {"recording": media, "description": "Singing practice", "caption": ""}
    StoryPostPageFactory(parent=oak, title="Singing", media=[("video", recording)])
    story = SchoolStoryIndexPage.objects.child_of(world.a.school).get()
    StoryPostPageFactory(parent=story, title="Assembly", photos=[world.a.images["Oak"]])
    agreement = PolicyPage(title="Class pages agreement", slug="agreement", body="<p>Kind.</p>")
    world.a.school.add_child(instance=agreement)
    agreement.save_revision().publish()
    agreements.accept(carer, agreements.pending_agreements(carer))
    return {
        "class feed and page decision": path_of(oak),
        "school story": path_of(story),
        "photo rendition": world.a.images["Oak"].get_rendition("fill-800x600").url,
        "recording": media.url,
    }


def cold_tables(client, world, path, monkeypatch):
    client.force_login(world.a.carers["Oak"])
    for cache in caches.all():
        cache.clear()
    # The file view also remembers each file's school in the process.
    monkeypatch.setattr(remembered, "_SCHOOL_OF_FILE", {})
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return tables_read(queries)


@pytest.mark.parametrize(
    "what", ["class feed and page decision", "school story", "photo rendition", "recording"]
)
def test_every_table_a_cold_answer_reads_is_watched(world, client, served, monkeypatch, what):
    tables = cold_tables(client, world, served[what], monkeypatch)
    assert len(tables) > 5, tables  # the capture saw the decision, not a remembered answer
    assert not uncovered(tables), (
        f"read by a cold {what} and kept fresh by no row of the invalidation table: "
        f"{sorted(uncovered(tables))}"
    )


def test_the_guard_names_a_table_whose_row_is_gone(world, client, served, monkeypatch):
    tables = cold_tables(client, world, served["class feed and page decision"], monkeypatch)
    without_settings = tuple(
        row for row in invalidation.WATCHES if row.model != "class_pages.SchoolSettings"
    )
    assert uncovered(tables, without_settings) == {"class_pages_schoolsettings"}


def test_the_allow_list_holds_only_tables_no_row_covers():
    covered = {model._meta.db_table for model in invalidation.watched_models()}
    assert not covered & set(ALLOWED)


def test_the_guard_reads_joins_and_subqueries():
    class Captured:
        captured_queries = [
            {"sql": 'SELECT 1 FROM "a" INNER JOIN "b" ON (1) WHERE x IN (SELECT 1 FROM "c" U0)'}
        ]

    assert tables_read(Captured()) == {"a", "b", "c"}
    Captured.captured_queries = [{"sql": "SELECT 1 FROM unquoted"}]
    with pytest.raises(AssertionError, match="cannot read"):
        tables_read(Captured())
