"""Small helpers shared by the tests: a signed-in browser, admin form data for story
posts, admin URLs, the assertion that a response is private, freshly loaded objects and
rows shared by a module's tests."""

import re
import zlib
from types import SimpleNamespace

import pytest
from django.db import models, transaction
from django.test import Client
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from class_pages.models import StoryPostPage

RENDITION_SRC = re.compile(r'src="(/files/images/[^"]+)"')


def browser(user=None, **client_options):
    """A browser of its own for one person (nobody's cookies or flash messages leak to
    another), signed in when a user is given."""
    client = Client(**client_options)
    if user is not None:
        client.force_login(user)
    return client


def assert_private(response):
    cache_control = response.get("Cache-Control", "")
    assert "private" in cache_control, f"not private: {cache_control!r}"
    assert "no-store" in cache_control, f"not no-store: {cache_control!r}"


def post_form(title, slug, images=(), action=None, body="We learned about seeds today."):
    """The Wagtail 8 page form of a StoryPostPage as the admin would POST it. `images`
    is one image or a list; bare ids stand for images that no longer exist."""
    if not isinstance(images, list | tuple):
        images = [images]
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "kind": StoryPostPage.Kind.LEARNING,
            "event_date": "",
            "body": body,
            "media": streamfield(
                [
                    (
                        "photo",
                        {
                            "image": getattr(image, "pk", image),
                            "alt_text": "Seedlings in pots",
                            "caption": "",
                        },
                    )
                    for image in images
                ]
            ),
            "comments": inline_formset([]),
        }
    )
    if action:
        data[action] = action
    return data


def add_url(parent):
    return f"/admin/pages/add/class_pages/storypostpage/{parent.pk}/"


def edit_url(page):
    return f"/admin/pages/{page.pk}/edit/"


def action_url(page, action, task_state):
    return f"/admin/pages/workflow/action/{page.pk}/{action}/{task_state.pk}/"


def _reloaded(value):
    """A copy of the namespace with every model instance fetched again from the DB."""
    if isinstance(value, models.Model):
        return type(value)._default_manager.get(pk=value.pk)
    if isinstance(value, dict):
        return {key: _reloaded(item) for key, item in value.items()}
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{key: _reloaded(item) for key, item in vars(value).items()})
    return value


SHARED_ROWS = set()


def shared_rows(build):
    """A module-scoped fixture named after `build`, whose rows `build(world)` makes once
    for the module's tests instead of once per test: in a savepoint of the session's open
    transaction (tests/conftest.py), rolled back when the module ends. Each test still runs
    in a savepoint of its own inside it; the module's tests that do not use the rows run
    before those that do. `build` gets the world freshly loaded and should return ids
    (tests load the rows afresh), not instances."""
    SHARED_ROWS.add(build.__name__)

    def fixture(_session_world, django_db_blocker):
        with django_db_blocker.unblock():
            savepoint = transaction.atomic()
            savepoint.__enter__()
            try:
                yield build(_reloaded(_session_world))
            finally:
                transaction.set_rollback(True)
                savepoint.__exit__(None, None, None)

    fixture.__doc__ = build.__doc__
    return pytest.fixture(fixture, scope="module", name=build.__name__)


# The quick suite (`make test`) runs one case in QUICK_SHARE of a wide sweep, the same
# ones every run (chosen by a checksum of the case's id, so adding a case does not
# reshuffle the others); `make test-audit` (.ci/run, SQLite and PostgreSQL) runs them all.
QUICK_SHARE = 8


def in_quick_sample(case_id, share=QUICK_SHARE):
    return zlib.crc32(case_id.encode()) % share == 0


def audit_unless_sampled(param, share=QUICK_SHARE):
    """The pytest.param with the `audit` mark added unless its id is in the quick sample."""
    if in_quick_sample(param.id, share):
        return param
    return pytest.param(*param.values, id=param.id, marks=[*param.marks, pytest.mark.audit])
