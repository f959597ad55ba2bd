"""Small helpers shared by the tests: a signed-in browser, admin form data for story
posts, admin URLs, and the assertion that a response is private."""

import re

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
