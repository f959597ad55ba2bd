"""The trust of many schools that `manage.py seed_scale` builds for load and scale
measurements (issue 10): N schools x C classes x P live posts with photos, carers with
grants.

How it stays fast and still valid:
* Schools and classes are made by the app's own factories (create_school, create_class),
  so their signals set up what real ones get: staff groups, collections, permissions,
  the login restriction, the school workflow and Site.
* Everything below a class is copied in bulk, one class per transaction: the register
  (scale_trust.register), the photos and their renditions (scale_trust.photos) and the
  posts (scale_trust.posts).
Not done in bulk (nothing measured needs them): search index entries and Wagtail's
reference index for the copied posts.
"""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from class_pages.factories import create_class, create_school
from class_pages.models import StoryPostPage
from class_pages.scale_trust import photos, posts, register

PASSWORD = "classpages-scale"  # noqa: S105 - documented password of the seeded accounts


class Seeder:
    """Builds the trust; `counts` says how much it made."""

    def __init__(self, schools, classes, posts, photos_per_post, carers_per_class, prefix):
        self.schools, self.classes, self.posts = schools, classes, posts
        self.photos, self.carers = photos_per_post, carers_per_class
        self.prefix = prefix
        self.slug = prefix.lower()
        self.counts = dict.fromkeys(("schools", "classes", "posts", "photos", "carers"), 0)
        self.now = timezone.now()

    def run(self, step=None):
        """Seed every school and class; `step(label)` is called after each class."""
        self.password = make_password(PASSWORD)
        self.view_permission = Permission.objects.get(
            content_type__app_label="class_pages", codename="view_classpage"
        )
        self.post_type = ContentType.objects.get_for_model(StoryPostPage)
        self.page_type = ContentType.objects.get_for_model(Page)
        with transaction.atomic():
            self.templates = photos.template_images(self.prefix)
        self.files = photos.LinkedCopies()
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
                if step is not None:
                    step(f"school {s}, class {c}")

    def _fill_class(self, school, class_page, s, c):
        pupils, carers = register.class_register(
            school,
            class_page,
            count=self.carers,
            names=f"{self.slug}.s{s}.c{c}",
            surname=f"S{s}C{c}",
            password=self.password,
            view_permission=self.view_permission,
        )
        self.counts["carers"] += len(carers)
        images = photos.class_photos(
            class_page, pupils, self.posts * self.photos, self.templates, self.files
        )
        self.counts["photos"] += len(images)
        self.counts["posts"] += posts.class_posts(
            class_page,
            images,
            count=self.posts,
            photos_per_post=self.photos,
            now=self.now,
            post_type=self.post_type,
            page_type=self.page_type,
        )
