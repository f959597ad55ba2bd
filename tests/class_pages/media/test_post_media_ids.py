"""Ids inside posts (issue 14, holes 3 and 4): a post may only use media of its own
class's collection whatever ids its form or revision holds (form, consent check,
publishing, file view), and deleting a post deletes only media of its own class that
nothing else in the whole database uses."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from wagtail.images import get_image_model
from wagtail.models import Revision

from class_pages.factories import ClassImageFactory, StoryPostPageFactory, photo_block
from class_pages.media.post_media import FOREIGN_MEDIA_MESSAGE
from class_pages.models import LiveImageUse, StoryPostPage
from tests.helpers import RENDITION_SRC, add_url, browser, edit_url, post_form
from workflows.checks.consent import check_consent


def foreign_images(world):
    """Another class's photo in the same school, and another school's."""
    return {"other class": world.a.images["Willow"], "other school": world.b.images["Rowan"]}


@pytest.mark.parametrize("whose", ["other class", "other school"])
@pytest.mark.parametrize("how", ["add", "edit"])
def test_the_post_form_refuses_a_foreign_media_id(world, whose, how):
    image = foreign_images(world)[whose]
    teacher = browser(world.a.teachers["Oak"])
    oak = world.a.classes["Oak"]
    url = add_url(oak) if how == "add" else edit_url(world.a.posts["Oak"])
    before = Revision.objects.count()
    response = teacher.post(url, post_form("Smuggled", "smuggled", [image], action="action-submit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert FOREIGN_MEDIA_MESSAGE.split(":")[0] in html or "not in this class" in html
    assert image.title not in html
    assert Revision.objects.count() == before
    assert not StoryPostPage.objects.filter(title="Smuggled").exists()


def test_own_class_media_is_accepted(world):
    teacher = browser(world.a.teachers["Oak"])
    own = ClassImageFactory(
        collection=world.a.classes["Oak"].collection, no_identifiable_pupil=True
    )
    response = teacher.post(add_url(world.a.classes["Oak"]), post_form("Own", "own", [own]))
    assert response.status_code == 302
    assert StoryPostPage.objects.filter(title="Own").exists()


@pytest.mark.parametrize("whose", ["other class", "other school"])
def test_a_foreign_id_in_a_stored_revision_is_never_served(world, whose):
    # Written around the form (an old revision, a script): the check blocks it, names
    # nothing, and even a forced publish serves it to nobody.
    image = foreign_images(world)[whose]
    oak = world.a.classes["Oak"]
    post = StoryPostPageFactory(parent=oak, title="Around the form", photos=[image])
    findings = check_consent(post, oak, detect_faces=False)
    foreign = [finding for finding in findings if finding.code == "foreign-media"]
    assert foreign and foreign[0].blocking
    assert all(image.title not in finding.message + finding.excerpt for finding in findings)
    assert post.live  # the factory published it, as a superuser could
    assert not LiveImageUse.objects.filter(post=post, image=image).exists()
    carer = browser(world.a.carers["Oak"])
    page = carer.get(post.url)
    assert page.status_code == 200
    rendition = image.get_rendition("fill-800x600").url
    assert carer.get(rendition).status_code == 404
    # The foreign class's own carer still sees it in their own post, as before.
    owner = "Willow" if whose == "other class" else "Rowan"
    school = world.a if whose == "other class" else world.b
    host = "testserver" if whose == "other class" else "other.test"
    own_carer = browser(school.carers[owner], HTTP_HOST=host)
    shown = RENDITION_SRC.findall(own_carer.get(school.posts[owner].url).content.decode())
    assert shown and all(own_carer.get(src).status_code == 200 for src in shown)


def on_disk(name):
    return (Path(settings.MEDIA_ROOT) / name).exists()


def test_deleting_a_draft_that_names_another_schools_photo_leaves_it(
    world, django_capture_on_commit_callbacks
):
    rowan_image = world.b.images["Rowan"]
    oak = world.a.classes["Oak"]
    draft = StoryPostPageFactory(parent=oak, title="Draft", published=False)
    draft.media = [photo_block(rowan_image)]
    draft.save_revision()
    with django_capture_on_commit_callbacks(execute=True):
        draft.delete()
    assert get_image_model().objects.filter(pk=rowan_image.pk).exists()
    assert on_disk(rowan_image.file.name)
    rowan_carer = browser(world.b.carers["Rowan"])
    page = rowan_carer.get(world.b.posts["Rowan"].url, HTTP_HOST="other.test")
    assert page.status_code == 200
    for src in RENDITION_SRC.findall(page.content.decode()):
        assert rowan_carer.get(src, HTTP_HOST="other.test").status_code == 200


def test_an_own_photo_used_anywhere_else_in_the_database_is_kept(
    world, django_capture_on_commit_callbacks
):
    oak = world.a.classes["Oak"]
    own = ClassImageFactory(collection=oak.collection, no_identifiable_pupil=True)
    only_here = ClassImageFactory(collection=oak.collection, no_identifiable_pupil=True)
    post = StoryPostPageFactory(parent=oak, title="Going", photos=[own, only_here])
    # Another school's draft revision names the same photo (legacy data, or a script).
    elsewhere = StoryPostPageFactory(
        parent=world.b.classes["Rowan"], title="Elsewhere", published=False
    )
    elsewhere.media = [photo_block(own)]
    elsewhere.save_revision()
    with django_capture_on_commit_callbacks(execute=True):
        post.delete()
    images = get_image_model().objects
    assert images.filter(pk=own.pk).exists()
    assert not images.filter(pk=only_here.pk).exists()


def test_id_prefixes_do_not_keep_an_orphan(world, django_capture_on_commit_callbacks):
    # The database pre-filter matches ": 5" inside ": 55"; parsing must not keep 5.
    oak = world.a.classes["Oak"]
    target = ClassImageFactory(collection=oak.collection, no_identifiable_pupil=True)
    post = StoryPostPageFactory(parent=oak, title="Going", photos=[target])
    other = StoryPostPageFactory(parent=oak, title="Other", published=False)
    other.media = json.dumps(
        [{"type": "photo", "value": {"image": int(f"{target.pk}0"), "alt_text": "x"}}]
    )
    other.save_revision()
    with django_capture_on_commit_callbacks(execute=True):
        post.delete()
    assert not get_image_model().objects.filter(pk=target.pk).exists()
