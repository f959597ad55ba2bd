"""Erasure is real: deleting an image, a recording or a post removes the files (original,
renditions, recording) from storage once the transaction commits, and nothing that
another post still uses."""

from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from class_pages.factories import ClassImageFactory, StoryPostPageFactory, create_class


def on_disk(name):
    return (Path(settings.MEDIA_ROOT) / name).exists()


def test_deleting_an_image_removes_original_and_renditions(
    world, django_capture_on_commit_callbacks
):
    image = ClassImageFactory(collection=world.a.classes["Oak"].collection)
    names = [
        image.file.name,
        image.get_rendition("fill-800x600").file.name,
        image.get_rendition("width-200").file.name,
    ]
    assert all(on_disk(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
    assert not any(on_disk(name) for name in names)


def test_deleting_a_recording_removes_its_file(world, django_capture_on_commit_callbacks):
    media = get_document_model()(title="Clip", collection=world.a.classes["Oak"].collection)
    media.file.save("clip.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42" + b"0" * 100), save=True)
    name = media.file.name
    assert on_disk(name)
    with django_capture_on_commit_callbacks(execute=True):
        media.delete()
    assert not on_disk(name)


def test_deleting_a_post_removes_media_only_it_used(world, django_capture_on_commit_callbacks):
    oak = world.a.classes["Oak"]
    own = ClassImageFactory(collection=oak.collection, pupils=[world.a.pupils["Oak"]])
    draft_only = ClassImageFactory(collection=oak.collection, no_identifiable_pupil=True)
    shared = world.a.images["Oak"]  # also used by the fixture's live post
    post = StoryPostPageFactory(parent=oak, title="To erase", photos=[own, shared])
    post.media = [("photo", {"image": draft_only, "alt_text": "x", "caption": ""})]
    post.save_revision()  # an unpublished version using yet another image
    files = [own.file.name, own.get_rendition("fill-800x600").file.name, draft_only.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        post.delete()
    images = get_image_model().objects
    assert not images.filter(pk__in=[own.pk, draft_only.pk]).exists()
    assert not any(on_disk(name) for name in files)
    assert images.filter(pk=shared.pk).exists() and on_disk(shared.file.name)


def test_deleting_a_class_erases_its_posts_media(world, django_capture_on_commit_callbacks):
    # A class of its own: the callbacks really delete files, which no rollback restores.
    hazel = create_class(world.a.school, "Hazel")
    image = ClassImageFactory(collection=hazel.collection, no_identifiable_pupil=True)
    StoryPostPageFactory(parent=hazel, title="Hazel news", photos=[image])
    name = image.file.name
    with django_capture_on_commit_callbacks(execute=True):
        hazel.delete()
    assert not get_image_model().objects.filter(pk=image.pk).exists()
    assert not on_disk(name)
