"""The story feed of a class (or of the whole school): live posts newest first, paginated,
with every photo and recording of the shown posts loaded in one query each (renditions
prefetched), so the number of queries does not grow with posts or photos; and the
"This week" strip of reminders, events and deadlines. The page templates ask for them
through class_pages_tags (story_feed, this_week) inside their cached fragment."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import Paginator
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from class_pages.media.photos import carer_photo_spec, carer_source_specs, picture, watermarked
from class_pages.models import SchoolPage, StoryPostPage

WEEK_KINDS = ("reminder", "event", "home-learning")


@dataclass(frozen=True)
class FeedPhoto:
    image: object
    rendition: object
    srcset: str
    alt_text: str
    caption: str


@dataclass(frozen=True)
class FeedRecording:
    media: object
    kind: str
    description: str
    caption: str


def story_feed(parent, request, per_page=20):
    """The page of live posts under `parent` that the request's ?page= asks for."""
    posts = StoryPostPage.objects.child_of(parent).live().order_by("-first_published_at", "-pk")
    page = Paginator(posts, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    attach_media(page.object_list, SchoolPage.for_page(parent))
    return page


def this_week(parent, today=None):
    """Live reminders, events and deadlines of the coming seven days, soonest first."""
    today = today or timezone.localdate()
    return list(
        StoryPostPage.objects.child_of(parent)
        .live()
        .filter(
            kind__in=WEEK_KINDS, event_date__gte=today, event_date__lte=today + timedelta(days=7)
        )
        .order_by("event_date", "pk")
    )


def attach_media(posts, school):
    """Set `post.feed_photos` and `post.feed_recordings` from the posts' raw stream data
    with one query per media type for all of them. Missing (deleted) media are skipped."""
    watermark = watermarked(school)
    specs = [carer_photo_spec(school, watermark)] + [
        spec for spec, _ in carer_source_specs(school, watermark)
    ]
    photo_entries = {post.pk: post.photo_entries() for post in posts}
    recording_entries = {post.pk: post.recording_entries() for post in posts}
    image_ids = {image_id for items in photo_entries.values() for image_id, _, _ in items}
    media_ids = {media_id for items in recording_entries.values() for _, media_id, _, _ in items}
    images = recordings = {}
    if image_ids:
        images = get_image_model().objects.filter(pk__in=image_ids).prefetch_renditions(*specs)
        images = images.in_bulk()
    if media_ids:
        recordings = get_document_model().objects.filter(pk__in=media_ids).in_bulk()
    for post in posts:
        post.feed_photos = [
            FeedPhoto(images[image_id], *picture(images[image_id], school, watermark), alt, caption)
            for image_id, alt, caption in photo_entries[post.pk]
            if image_id in images
        ]
        post.feed_recordings = [
            FeedRecording(recordings[media_id], recordings[media_id].kind, description, caption)
            for _, media_id, description, caption in recording_entries[post.pk]
            if media_id in recordings
        ]
