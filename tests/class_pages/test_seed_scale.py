"""`manage.py seed_scale` at tiny sizes: the bulk-made tree is valid for treebeard and
Wagtail, posts are live with their revision, grants equal what the register derives,
a carer sees their own class (posts and photos) and no other, and bad input or
production settings are refused."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from wagtail.models import Page

from class_pages.access import granted_class_ids, sync_carer_access
from class_pages.models import (
    ClassPage,
    ClassPageUserObjectPermission,
    ClassRendition,
    LiveImageUse,
    StoryPostPage,
)
from tests.helpers import shared_rows

RENDITION_SRC = re.compile(r'src="(/files/images/[^"]+)"')


def seed(**options):
    out, err = io.StringIO(), io.StringIO()
    arguments = {"schools": 2, "classes": 2, "posts": 3, "photos_per_post": 2}
    arguments.update(options)
    call_command(
        "seed_scale",
        *[f"--{key.replace('_', '-')}={value}" for key, value in arguments.items()],
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


@shared_rows
def seeded_once(world):
    """seed_scale run once for the module: its output and progress bar."""
    return seed(carers_per_class=2)


@pytest.fixture
def seeded(world, seeded_once):
    return seeded_once


def test_tree_is_valid_and_posts_are_live_with_revisions(seeded):
    out, err = seeded
    assert "Seeded 2 schools, 4 classes, 12 posts, 24 photos, 8 carers" in out
    assert "4/4" in err  # the progress bar reached the end
    assert all(not problems for problems in Page.find_problems())
    classes = ClassPage.objects.filter(title__startswith="Class 0")
    assert classes.count() == 4
    for class_page in classes:
        posts = StoryPostPage.objects.child_of(class_page)
        assert posts.live().count() == 3 == class_page.numchild
        for post in posts:
            assert post.live_revision_id == post.latest_revision_id is not None
            restored = post.live_revision.as_object()
            assert restored.pk == post.pk and restored.image_ids() == post.image_ids()
            assert len(post.image_ids()) == 2
            assert (
                set(LiveImageUse.objects.filter(post=post).values_list("image_id", flat=True))
                == post.image_ids()
            )
            assert post.url_path == f"{class_page.url_path}{post.slug}/"


def test_grants_are_what_the_register_derives(seeded):
    carers = list(get_user_model().objects.filter(username__startswith="scale."))
    assert len(carers) == 8
    for carer in carers:
        granted, revoked = sync_carer_access(carer)
        assert granted == set() and revoked == set()
        assert len(granted_class_ids(carer)) == 1


def test_carer_sees_own_class_and_its_photos_only(seeded, client, settings):
    settings.ALLOWED_HOSTS = [".scale.test"]
    own, other = ClassPage.objects.filter(title__startswith="Class 0").order_by("path")[:2]
    (carer_id,) = ClassPageUserObjectPermission.objects.filter(
        content_object=own, user__username__endswith=".1"
    ).values_list("user_id", flat=True)
    client.force_login(get_user_model().objects.get(pk=carer_id))
    host = own.get_site().hostname
    response = client.get(own.get_url_parts()[2], HTTP_HOST=host)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Class news 3" in html and "Class news 1" in html
    sources = RENDITION_SRC.findall(html)
    assert len(sources) == 6
    photo = client.get(sources[0], HTTP_HOST=host)
    assert photo.status_code == 200
    assert ClassRendition.objects.filter(file=sources[0].removeprefix("/files/")).count() == 1
    assert client.get(other.get_url_parts()[2], HTTP_HOST=host).status_code == 404


@pytest.mark.parametrize(
    "argument", ["--schools=0", "--posts=-3", "--classes=many", "--prefix=../x"]
)
def test_bad_input_is_refused_with_a_message(world, argument):
    with pytest.raises(CommandError) as refused:
        call_command("seed_scale", argument, stdout=io.StringIO(), stderr=io.StringIO())
    assert "expected a whole number" in str(refused.value) or "--prefix" in str(refused.value)


def test_refuses_production_settings(world):
    with override_settings(CLASSPAGES_ENVIRONMENT="production"):
        with pytest.raises(CommandError, match="production"):
            seed()


def test_refuses_to_seed_the_same_prefix_twice(seeded):
    with pytest.raises(CommandError, match="exist already"):
        seed()
