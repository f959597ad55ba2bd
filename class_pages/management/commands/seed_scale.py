"""`manage.py seed_scale`: a trust of many schools for load and scale measurements
(issue 10): N schools x C classes x P live posts with photos, carers with grants.

    manage.py seed_scale [--schools 100] [--classes 14] [--posts 200]
                         [--photos-per-post 3] [--carers-per-class 30]

How it stays fast and still valid:
* Schools and classes are made by the app's own factories (create_school, create_class),
  so their signals set up what real ones get: staff groups, collections, permissions,
  the login restriction, the school workflow and Site.
* Everything below a class is copied in bulk, one class per transaction: pupils,
  consents, enrolments, carers (one password hash computed once), carer links and the
  `view_classpage` grants that sync_carer_access() would derive from them (the test
  checks that rebuilding access from the register changes nothing), images, their three
  carer renditions, the live-image records, and the posts: wagtailcore_page rows with
  treebeard paths computed from the class's path (Page.find_problems() stays empty), the
  story post rows, and one published revision per post (latest = live revision).
* Files: a few real images and their renditions are made once; every image row shares
  one of those originals, and every rendition row gets its own random file name, a hard
  link to the real rendition (the authorising view finds renditions by file name, so
  names must be unique; disk use stays a few hundred KB).
Not done in bulk (nothing measured needs them): search index entries and Wagtail's
reference index for the copied posts. Refuses production settings. Progress on stderr.
"""

import copy
import datetime
import errno
import json
import os
import shutil
import sys
import time
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.test.utils import override_settings
from django.utils import timezone
from wagtail.models import Collection, Page, Revision

from class_pages.factories import (
    ClassImageFactory,
    create_class,
    create_school,
    generated_image_file,
)
from class_pages.media.photos import carer_specs
from class_pages.models import (
    AccessChange,
    CarerLink,
    ClassImage,
    ClassPageUserObjectPermission,
    ClassRendition,
    ConsentRecord,
    Enrolment,
    LiveImageUse,
    Medium,
    Pupil,
    StoryPostPage,
)

PASSWORD = "classpages-scale"  # noqa: S105 - documented password of the seeded accounts
BATCH = 2000
TEMPLATE_IMAGES = 3
KINDS = [kind for kind, _ in StoryPostPage.Kind.choices]


def positive(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 1 or value > 100_000:
        raise CommandError(f"expected a whole number from 1 to 100000, got {text!r}")
    return value


class Progress:
    """A text progress bar on stderr: done/total, elapsed and the time still to go."""

    def __init__(self, total, stream=None, width=30):
        self.total, self.done, self.width = total, 0, width
        self.stream = stream or sys.stderr
        self.started = time.monotonic()

    def step(self, label=""):
        self.done += 1
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        filled = int(self.width * self.done / self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(
            f"\r[{bar}] {self.done}/{self.total} {label:24.24s} "
            f"{elapsed:6.0f} s, ~{left:5.0f} s to go"
        )
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Seed a trust of many schools, classes and live posts for scale measurements."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=positive, default=100)
        parser.add_argument("--classes", type=positive, default=14, help="per school")
        parser.add_argument("--posts", type=positive, default=200, help="per class")
        parser.add_argument("--photos-per-post", type=positive, default=3)
        parser.add_argument("--carers-per-class", type=positive, default=30)
        parser.add_argument(
            "--prefix", default="Scale", help="School titles and hostnames start with this."
        )

    def handle(self, *args, **options):
        if getattr(settings, "CLASSPAGES_ENVIRONMENT", "") == "production":
            raise CommandError("seed_scale refuses to run with production settings.")
        prefix = options["prefix"].strip()
        if not prefix.isalnum() or len(prefix) > 20:
            raise CommandError("--prefix: letters and digits only, at most 20.")
        if Page.objects.filter(depth=2, title__startswith=f"{prefix} school ").exists():
            raise CommandError(
                f"Schools named “{prefix} school …” exist already; use another --prefix "
                "or a fresh database."
            )
        started = time.monotonic()
        # Seeding tells nobody anything: no e-mail leaves, whatever the settings say.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            seeder = Seeder(
                self.stderr,
                **{key: options[key] for key in ("schools", "classes", "posts", "prefix")},
                photos_per_post=options["photos_per_post"],
                carers_per_class=options["carers_per_class"],
            )
            seeder.run()
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Seeded {seeder.counts['schools']} schools, {seeder.counts['classes']} classes, "
            f"{seeder.counts['posts']} posts, {seeder.counts['photos']} photos, "
            f"{seeder.counts['carers']} carers in {seconds:.1f} s "
            f"({connection.vendor}). Carers: {prefix.lower()}.s<school>.c<class>.<n>, "
            f"password {PASSWORD}."
        )


class Seeder:
    def __init__(self, stderr, schools, classes, posts, photos_per_post, carers_per_class, prefix):
        self.stderr = stderr
        self.schools, self.classes, self.posts = schools, classes, posts
        self.photos, self.carers = photos_per_post, carers_per_class
        self.prefix = prefix
        self.slug = prefix.lower()
        self.counts = dict.fromkeys(("schools", "classes", "posts", "photos", "carers"), 0)
        self.now = timezone.now()
        self.link_sources = {}  # template file name -> the file new links are made to

    # --- once ---------------------------------------------------------------------

    def run(self):
        self.password = make_password(PASSWORD)
        self.view_permission = Permission.objects.get(
            content_type__app_label="class_pages", codename="view_classpage"
        )
        self.post_type = ContentType.objects.get_for_model(StoryPostPage)
        self.page_type = ContentType.objects.get_for_model(Page)
        with transaction.atomic():
            self.templates = self._template_images()
        progress = Progress(self.schools * self.classes, stream=self.stderr)
        for s in range(1, self.schools + 1):
            with transaction.atomic():
                school = create_school(
                    f"{self.prefix} school {s:03d}", hostname=f"s{s:03d}.{self.slug}.test"
                )
                class_pages = [
                    create_class(school, f"Class {c:02d}") for c in range(1, self.classes + 1)
                ]
            self.counts["schools"] += 1
            for c, class_page in enumerate(class_pages, start=1):
                with transaction.atomic():
                    self._fill_class(school, class_page, s, c)
                self.counts["classes"] += 1
                progress.step(f"school {s}, class {c}")

    def _template_images(self):
        """A few real images with the carer renditions made from them; every seeded
        photo shares their files (the images stay in the root collection, unused)."""
        root = Collection.get_first_root_node()
        templates = []
        for n in range(TEMPLATE_IMAGES):
            image = ClassImageFactory(
                title=f"{self.prefix} seed template {n}",
                collection=root,
                file=generated_image_file(
                    name=f"seed{n}.png", size=(1200, 900), colour=(40 + 60 * n, 120, 80)
                ),
                no_identifiable_pupil=True,
            )
            renditions = {spec: image.get_rendition(spec) for spec in sorted(carer_specs(None))}
            templates.append((image, renditions))
        return templates

    # --- one class ----------------------------------------------------------------

    def _fill_class(self, school, class_page, s, c):
        pupils = Pupil.objects.bulk_create(
            [
                Pupil(school=school, first_name=f"Pupil{n}", last_name=f"S{s}C{c}")
                for n in range(1, self.carers + 1)
            ]
        )
        ConsentRecord.objects.bulk_create(
            [
                ConsentRecord(pupil=pupil, medium=medium, given=True)
                for pupil in pupils
                for medium in (Medium.PARTICIPATION, Medium.PHOTO, Medium.VIDEO, Medium.AUDIO)
            ]
        )
        Enrolment.objects.bulk_create(
            [Enrolment(pupil=pupil, class_page=class_page) for pupil in pupils]
        )
        User = get_user_model()
        carers = User.objects.bulk_create(
            [
                User(
                    username=f"{self.slug}.s{s}.c{c}.{n}",
                    email=f"{self.slug}.s{s}.c{c}.{n}@scale.invalid",
                    first_name="Carer",
                    last_name=f"S{s}C{c}N{n}",
                    password=self.password,
                )
                for n in range(1, self.carers + 1)
            ]
        )
        # In bulk, around carer_links.save_link(): new pupils of a new school have no
        # no-contact restriction and no ended link, which is all that gate checks.
        CarerLink.objects.bulk_create(
            [
                CarerLink(carer=carer, pupil=pupil)
                for carer, pupil in zip(carers, pupils, strict=True)
            ]
        )
        # Exactly the grants (and their log) sync_carer_access() derives from the above.
        ClassPageUserObjectPermission.objects.bulk_create(
            [
                ClassPageUserObjectPermission(
                    user=carer, permission=self.view_permission, content_object=class_page
                )
                for carer in carers
            ]
        )
        AccessChange.objects.bulk_create(
            [
                AccessChange(
                    carer=carer,
                    class_page=class_page,
                    change=AccessChange.Change.GRANTED,
                    reason="seed_scale",
                )
                for carer in carers
            ]
        )
        self.counts["carers"] += len(carers)
        images = self._images(class_page, pupils)
        self._posts(class_page, images)

    def _images(self, class_page, pupils):
        count = self.posts * self.photos
        template_rows = [template for template, _ in self.templates]
        images = ClassImage.objects.bulk_create(
            [
                ClassImage(
                    title=f"Photo {n + 1}",
                    file=template_rows[n % len(template_rows)].file.name,
                    width=template_rows[n % len(template_rows)].width,
                    height=template_rows[n % len(template_rows)].height,
                    file_size=template_rows[n % len(template_rows)].file_size,
                    file_hash=template_rows[n % len(template_rows)].file_hash,
                    collection_id=class_page.collection_id,
                    detected_faces=1,
                )
                for n in range(count)
            ],
            batch_size=BATCH,
        )
        tagged = ClassImage.pupils.through
        tagged.objects.bulk_create(
            [
                tagged(classimage_id=image.pk, pupil_id=pupils[n % len(pupils)].pk)
                for n, image in enumerate(images)
            ],
            batch_size=BATCH,
        )
        renditions = []
        for n, image in enumerate(images):
            for spec, source in self.templates[n % len(self.templates)][1].items():
                renditions.append(
                    ClassRendition(
                        image_id=image.pk,
                        filter_spec=spec,
                        focal_point_key=source.focal_point_key,
                        file=self._linked_copy(source.file.name),
                        width=source.width,
                        height=source.height,
                    )
                )
        ClassRendition.objects.bulk_create(renditions, batch_size=BATCH)
        self.counts["photos"] += len(images)
        return images

    def _linked_copy(self, name):
        """A new random name for the same bytes: a hard link. A file system allows only
        so many links to one file (ext4: 65,000), so when one is full its next copy
        becomes the file to link to; where links fail altogether, a copy each."""
        folder, extension = os.path.split(name)[0], os.path.splitext(name)[1]
        new_name = f"{folder}/{uuid.uuid4().hex}{extension}"
        source = self.link_sources.get(name) or default_storage.path(name)
        target = default_storage.path(new_name)
        try:
            os.link(source, target)
        except OSError as error:
            shutil.copyfile(source, target)
            if error.errno == errno.EMLINK:
                self.link_sources[name] = target
        return new_name

    def _posts(self, class_page, images):
        """The class's posts as treebeard children of the class page, live, each with one
        published revision; newest post first in the feed."""
        start = class_page.numchild
        moments = [
            self.now - datetime.timedelta(hours=6 * (self.posts - n)) for n in range(self.posts)
        ]
        pages = []
        for n in range(self.posts):
            title = f"Class news {n + 1}"
            slug = f"class-news-{n + 1}"
            pages.append(
                Page(
                    title=title,
                    draft_title=title,
                    slug=slug,
                    content_type=self.post_type,
                    live=True,
                    has_unpublished_changes=False,
                    url_path=f"{class_page.url_path}{slug}/",
                    owner=None,
                    first_published_at=moments[n],
                    last_published_at=moments[n],
                    latest_revision_created_at=moments[n],
                    locale_id=class_page.locale_id,
                    translation_key=uuid.uuid4(),
                    path=StoryPostPage._get_path(
                        class_page.path, class_page.depth + 1, start + n + 1
                    ),
                    depth=class_page.depth + 1,
                    numchild=0,
                )
            )
        pages = Page.objects.bulk_create(pages, batch_size=BATCH)
        Page.objects.filter(pk=class_page.pk).update(numchild=start + self.posts)
        media_field = StoryPostPage._meta.get_field("media")
        rows, contents = [], []
        for n, page in enumerate(pages):
            kind = KINDS[n % len(KINDS)]
            body = f"What class {class_page.title} did on day {n + 1}: reading, maths and art."
            event_date = (moments[n] + datetime.timedelta(days=2)).date() if n % 5 else None
            shown = images[n * self.photos : (n + 1) * self.photos]
            stream = [
                {
                    "type": "photo",
                    "value": {"image": image.pk, "alt_text": "Children at work", "caption": ""},
                    "id": str(uuid.uuid4()),
                }
                for image in shown
            ]
            post = StoryPostPage(
                page_ptr_id=page.pk,
                kind=kind,
                body=body,
                event_date=event_date,
            )
            post.media = stream
            post.raw_stream = stream
            rows.append(
                (
                    page.pk,
                    kind,
                    body,
                    event_date,
                    media_field.get_db_prep_save(post.media, connection),
                )
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
                    content_type=self.post_type,
                    base_content_type=self.page_type,
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
                base_content_type=self.page_type,
                object_id=Cast(OuterRef("pk"), CharField()),
            )
            .order_by("-pk")
            .values("pk")[:1]
        )
        page_ids = [page.pk for page in pages]
        Page.objects.filter(pk__in=page_ids).update(latest_revision_id=revision_of_page)
        Page.objects.filter(pk__in=page_ids).update(live_revision_id=revision_of_page)
        LiveImageUse.objects.bulk_create(
            [
                LiveImageUse(post_id=page.pk, image_id=image.pk)
                for n, page in enumerate(pages)
                for image in images[n * self.photos : (n + 1) * self.photos]
            ],
            batch_size=BATCH,
        )
        self.counts["posts"] += len(pages)
