"""Which photos and recordings a story post may use: only those in the media collection
of the page that guards it, as that page names it (`media_collection()`: its class's
collection; for a whole-school post, the school's collection and its classes'
collections below it). Whatever ids a submitted form or a stored revision holds,
anything else is foreign: the post form refuses it without naming it, the consent check
blocks it, publishing records no use of it (so no carer is ever served it) and the file
view asks the same question again.

Choosers are only widgets: StreamField chooser blocks accept any id on POST."""

from django.db.models import Q
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from class_pages.blocks import photos_in_raw_stream, recordings_in_raw_stream
from class_pages.tree import below, is_below

FOREIGN_MEDIA_MESSAGE = (
    "A photo or recording in this post is not in this class's media library. Remove it "
    "and choose one from the class's own photos and recordings."
)


def home_collection(guard):
    """The collection whose media (and its descendants') a post under `guard` may use:
    the guard's library (a class page's, the school's for the whole-school story); none
    for any other page."""
    media_collection = getattr(guard, "media_collection", None)
    return media_collection() if media_collection is not None else None


def _in_collection(collection):
    if collection is None:
        return Q(pk__in=[])
    return below(collection, "collection__path", include_self=True)


def raw_media_ids(raw_blocks):
    """(image ids, recording ids) in a stream's raw data."""
    images = {image_id for image_id, _, _ in photos_in_raw_stream(raw_blocks)}
    recordings = {media_id for _, media_id, _, _ in recordings_in_raw_stream(raw_blocks)}
    return images, recordings


def allowed_media_ids(guard, image_ids, recording_ids):
    """The subset of the given ids that exist and that a post under `guard` may use."""
    where = _in_collection(home_collection(guard))
    images = set(
        get_image_model().objects.filter(where, pk__in=image_ids).values_list("pk", flat=True)
    )
    recordings = set(
        get_document_model()
        .objects.filter(where, pk__in=recording_ids)
        .values_list("pk", flat=True)
    )
    return images, recordings


def foreign_media_ids(guard, raw_blocks):
    """(image ids, recording ids) in the stream that a post under `guard` may not use
    (another class's, another school's, or no such object)."""
    images, recordings = raw_media_ids(raw_blocks)
    allowed_images, allowed_recordings = allowed_media_ids(guard, images, recordings)
    return images - allowed_images, recordings - allowed_recordings


def may_use(guard, medium):
    """One image or recording: may a post under `guard` show it?"""
    collection = home_collection(guard)
    return bool(
        collection is not None
        and medium.collection_id is not None
        and is_below(medium.collection.path, collection.path, include_self=True)
    )
