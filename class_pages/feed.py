"""The story feed of a class (or of the whole school): live posts newest first, paginated,
with every photo of the shown posts loaded in one query and renditions prefetched, so the
number of queries does not grow with posts or photos."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from wagtail.images import get_image_model

from .photos import carer_photo_spec


@dataclass(frozen=True)
class FeedPhoto:
    image: object
    rendition: object
    alt_text: str
    caption: str


def story_feed(parent, request, per_page=20):
    from .models import SchoolPage, StoryPostPage

    posts = StoryPostPage.objects.child_of(parent).live().order_by("-first_published_at", "-pk")
    page = Paginator(posts, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    attach_photos(page.object_list, carer_photo_spec(SchoolPage.for_page(parent)))
    return page


def attach_photos(posts, spec):
    """Set `post.feed_photos` on each post from its raw stream data, with one image query
    (renditions prefetched) for all of them. Missing (deleted) images are skipped."""
    entries = {post.pk: post.photo_entries() for post in posts}
    image_ids = {image_id for items in entries.values() for image_id, _, _ in items}
    images = {}
    if image_ids:
        images = get_image_model().objects.filter(pk__in=image_ids).prefetch_renditions(spec)
        images = images.in_bulk()
    for post in posts:
        post.feed_photos = [
            FeedPhoto(images[image_id], images[image_id].get_rendition(spec), alt, caption)
            for image_id, alt, caption in entries[post.pk]
            if image_id in images
        ]
