"""Erasure that is real: when a story post is deleted, the photos and recordings it used
(in any of its versions) that no other post of the school uses are deleted too, and with
them their files and renditions (Wagtail removes files after the transaction commits)."""

import json

from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Revision

from .blocks import photos_in_raw_stream, recordings_in_raw_stream


def _raw(stream):
    """Raw block data from a StreamValue or from a revision's JSON text."""
    if hasattr(stream, "raw_data"):
        return list(stream.raw_data)
    if isinstance(stream, str):
        try:
            return json.loads(stream or "[]")
        except ValueError:
            return []
    return stream or []


def _ids(raw_blocks):
    images = {image_id for image_id, _, _ in photos_in_raw_stream(raw_blocks)}
    recordings = {media_id for _, media_id, _, _ in recordings_in_raw_stream(raw_blocks)}
    return images, recordings


def media_used_by(post):
    """(image ids, recording ids) used by any version of the post."""
    images, recordings = _ids(_raw(post.media))
    for content in Revision.objects.for_instance(post).values_list("content", flat=True):
        more_images, more_recordings = _ids(_raw((content or {}).get("media")))
        images |= more_images
        recordings |= more_recordings
    return images, recordings


def media_used_elsewhere(post):
    """(image ids, recording ids) used by the live or latest version of any other post
    of the same school."""
    from .models import SchoolPage, StoryPostPage

    school = SchoolPage.for_page(post)
    others = StoryPostPage.objects.descendant_of(school).exclude(pk=post.pk)
    images, recordings = set(), set()
    for stream in others.values_list("media", flat=True):
        more_images, more_recordings = _ids(_raw(stream))
        images |= more_images
        recordings |= more_recordings
    latest = Revision.objects.filter(
        pk__in=others.exclude(latest_revision=None).values("latest_revision")
    )
    for content in latest.values_list("content", flat=True):
        more_images, more_recordings = _ids(_raw((content or {}).get("media")))
        images |= more_images
        recordings |= more_recordings
    return images, recordings


def remember_media_of(post):
    """Called before a post is deleted: note what only it uses."""
    images, recordings = media_used_by(post)
    used_images, used_recordings = media_used_elsewhere(post)
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
