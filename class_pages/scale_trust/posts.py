"""The posts of one class of the scale trust, in bulk: wagtailcore_page rows with
treebeard paths numbered after the class's existing children (Page.find_problems()
stays empty), the story post rows, one published revision per post (latest = live
revision) holding the page as Wagtail would serialise it, and the live-image records.
Newest post first in the feed, kinds in turn, most with an event date."""

import copy
import datetime
import json
import uuid

from django.db import connection
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from wagtail.models import Page, Revision

from class_pages.models import LiveImageUse, StoryPostPage
from class_pages.tree import child_path

BATCH = 2000
KINDS = [kind for kind, _ in StoryPostPage.Kind.choices]


def class_posts(class_page, images, count, photos_per_post, now, post_type, page_type):
    """Make `count` live posts under the class, `photos_per_post` of `images` each;
    returns how many."""
    moments = [now - datetime.timedelta(hours=6 * (count - n)) for n in range(count)]
    pages = _page_rows(class_page, count, moments, post_type)
    contents = _post_rows(class_page, pages, images, photos_per_post, moments)
    _revisions(contents, moments, post_type, page_type)
    LiveImageUse.objects.bulk_create(
        [
            LiveImageUse(post_id=page.pk, image_id=image.pk)
            for n, page in enumerate(pages)
            for image in images[n * photos_per_post : (n + 1) * photos_per_post]
        ],
        batch_size=BATCH,
    )
    return len(pages)


def _page_rows(class_page, count, moments, post_type):
    start = class_page.numchild
    pages = []
    for n in range(count):
        title = f"Class news {n + 1}"
        slug = f"class-news-{n + 1}"
        pages.append(
            Page(
                title=title,
                draft_title=title,
                slug=slug,
                content_type=post_type,
                live=True,
                has_unpublished_changes=False,
                url_path=f"{class_page.url_path}{slug}/",
                owner=None,
                first_published_at=moments[n],
                last_published_at=moments[n],
                latest_revision_created_at=moments[n],
                locale_id=class_page.locale_id,
                translation_key=uuid.uuid4(),
                path=child_path(class_page, start + n + 1),
                depth=class_page.depth + 1,
                numchild=0,
            )
        )
    pages = Page.objects.bulk_create(pages, batch_size=BATCH)
    Page.objects.filter(pk=class_page.pk).update(numchild=start + count)
    return pages


def _post_rows(class_page, pages, images, photos_per_post, moments):
    """Insert the story post rows (raw SQL: the page rows exist already, and a model
    save would write them again); returns the posts as unsaved model objects."""
    media_field = StoryPostPage._meta.get_field("media")
    rows, contents = [], []
    for n, page in enumerate(pages):
        kind = KINDS[n % len(KINDS)]
        body = f"What class {class_page.title} did on day {n + 1}: reading, maths and art."
        event_date = (moments[n] + datetime.timedelta(days=2)).date() if n % 5 else None
        shown = images[n * photos_per_post : (n + 1) * photos_per_post]
        stream = [
            {
                "type": "photo",
                "value": {"image": image.pk, "alt_text": "Children at work", "caption": ""},
                "id": str(uuid.uuid4()),
            }
            for image in shown
        ]
        post = StoryPostPage(page_ptr_id=page.pk, kind=kind, body=body, event_date=event_date)
        post.media = stream
        post.raw_stream = stream
        rows.append(
            (page.pk, kind, body, event_date, media_field.get_db_prep_save(post.media, connection))
        )
        # The revision holds the page as Wagtail would serialise it.
        for field in Page._meta.concrete_fields:
            if field.attname != "id":
                setattr(post, field.attname, getattr(page, field.attname))
        post.id = page.pk
        contents.append(post)
    table = StoryPostPage._meta.db_table
    columns = ", ".join(
        connection.ops.quote_name(name)
        for name in ("page_ptr_id", "kind", "body", "event_date", "media")
    )
    with connection.cursor() as cursor:
        for offset in range(0, len(rows), BATCH):
            chunk = rows[offset : offset + BATCH]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                # Table and column names are the model's own; values go as parameters.
                f"INSERT INTO {table} ({columns}) VALUES {placeholders}",  # noqa: S608  # nosec B608
                [value for row in chunk for value in row],
            )
    return contents


def _revisions(contents, moments, post_type, page_type):
    """One revision per post, then each page's latest and live revision set to it."""
    revisions = []
    template = None
    for post, moment in zip(contents, moments, strict=True):
        if template is None:
            template = post.serializable_data()
        data = copy.copy(template)
        data.update(
            pk=post.pk,
            path=post.path,
            title=post.title,
            draft_title=post.draft_title,
            slug=post.slug,
            url_path=post.url_path,
            translation_key=str(post.translation_key),
            kind=post.kind,
            body=post.body,
            event_date=post.event_date.isoformat() if post.event_date else None,
            media=json.dumps(post.raw_stream)
            if isinstance(template.get("media"), str)
            else post.raw_stream,
            first_published_at=moment.isoformat(),
            last_published_at=moment.isoformat(),
            latest_revision_created_at=moment.isoformat(),
        )
        revisions.append(
            Revision(
                content_type=post_type,
                base_content_type=page_type,
                object_id=str(post.pk),
                created_at=moment,
                content=data,
                object_str=post.title,
                approved_go_live_at=None,
            )
        )
    Revision.objects.bulk_create(revisions, batch_size=BATCH)
    revision_of_page = Subquery(
        Revision.objects.filter(
            base_content_type=page_type,
            object_id=Cast(OuterRef("pk"), CharField()),
        )
        .order_by("-pk")
        .values("pk")[:1]
    )
    page_ids = [post.pk for post in contents]
    Page.objects.filter(pk__in=page_ids).update(latest_revision_id=revision_of_page)
    Page.objects.filter(pk__in=page_ids).update(live_revision_id=revision_of_page)
