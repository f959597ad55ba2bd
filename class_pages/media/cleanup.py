"""Erasure that is real, and never reaches past the deleted post's own class: when a
story post is deleted, the photos and recordings it used (in any of its versions) are
deleted too, with their files and renditions (Wagtail removes files after the
transaction commits), but only those that

* sit in the post's own media collection (class_pages.media.post_media: the collection its
  deleter manages), whatever foreign ids its stream held, and
* nothing else in the whole database uses: no other post of any school, in its live
  content or any revision, and no other object in Wagtail's reference index."""

import json

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import ReferenceIndex, Revision

from class_pages.access import guarding_page
from class_pages.media.post_media import allowed_media_ids, raw_media_ids
from class_pages.models import StoryPostPage


def _raw(stream):
    """Raw block data from a StreamValue, a JSON text or already-parsed data."""
    if hasattr(stream, "raw_data"):
        return list(stream.raw_data)
    if isinstance(stream, str):
        try:
            return json.loads(stream or "[]")
        except ValueError:
            return []
    return stream or []


def media_used_by(post):
    """(image ids, recording ids) used by any version of the post."""
    images, recordings = raw_media_ids(_raw(post.media))
    for content in Revision.objects.for_instance(post).values_list("content", flat=True):
        more_images, more_recordings = raw_media_ids(_raw((content or {}).get("media")))
        images |= more_images
        recordings |= more_recordings
    return images, recordings


def _mentioning(queryset, field, ids):
    """Rows whose JSON text mentions any of the ids as a block value (a superset: "5"
    also finds 55; the caller parses what it finds)."""
    if not ids:
        return queryset.none()
    texts = queryset.annotate(as_text=Cast(field, TextField()))
    found = texts.none()
    for pk in ids:
        found = found | texts.filter(as_text__contains=f": {pk}")
    return found


def media_used_elsewhere(post, images, recordings):
    """Of the given ids, those that anything but this post uses: any other story post of
    any school (live content or any revision), or any object Wagtail's reference index
    knows."""
    ids = images | recordings
    used_images, used_recordings = set(), set()

    def note(raw):
        more_images, more_recordings = raw_media_ids(_raw(raw))
        used_images.update(more_images & images)
        used_recordings.update(more_recordings & recordings)

    others = StoryPostPage.objects.exclude(pk=post.pk)
    for stream in _mentioning(others, "media", ids).values_list("media", flat=True):
        note(stream)
    revisions = Revision.objects.filter(base_content_type=post.get_base_content_type()).exclude(
        object_id=str(post.pk)
    )
    for content in _mentioning(revisions, "content", ids).values_list("content", flat=True):
        note((content or {}).get("media") if isinstance(content, dict) else _media_of(content))
    this_post = {"base_content_type": post.get_base_content_type(), "object_id": str(post.pk)}
    for model, chosen, used in (
        (get_image_model(), images, used_images),
        (get_document_model(), recordings, used_recordings),
    ):
        for medium in model.objects.filter(pk__in=chosen - used):
            if ReferenceIndex.get_references_to(medium).exclude(**this_post).exists():
                used.add(medium.pk)
    return used_images, used_recordings


def _media_of(content):
    try:
        return (json.loads(content) or {}).get("media")
    except (TypeError, ValueError):
        return None


def remember_media_of(post):
    """Called before a post is deleted: note what only it uses, within its own class."""
    images, recordings = media_used_by(post)
    images, recordings = allowed_media_ids(guarding_page(post), images, recordings)
    used_images, used_recordings = media_used_elsewhere(post, images, recordings)
    post._orphaned_media = (images - used_images, recordings - used_recordings)


def delete_orphaned_media(post):
    """Called after the post is deleted: delete what only it used, once committed."""
    images, recordings = getattr(post, "_orphaned_media", (set(), set()))
    if images or recordings:
        transaction.on_commit(lambda: _delete(images, recordings))


def _delete(image_ids, recording_ids):
    for image in get_image_model().objects.filter(pk__in=image_ids):
        image.delete()
    for recording in get_document_model().objects.filter(pk__in=recording_ids):
        recording.delete()
