"""Retention: each school's periods (School settings) applied by `manage.py
apply_retention` (and the `apply_retention_task` background task). Photos and recordings
showing a pupil who left longer ago than the school's period are deleted; posts first
published longer ago than its period are deleted with the media only they used. Files
leave storage after commit. A dry run reports without deleting."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from class_pages.models import SchoolPage, StoryPostPage
from class_pages.models.school_settings import settings_for_school


@dataclass
class RetentionReport:
    school: str
    media: list = field(default_factory=list)
    posts: list = field(default_factory=list)

    def lines(self, dry_run):
        verb = "would delete" if dry_run else "deleted"
        yield f"{self.school}: {verb} {len(self.media)} media, {len(self.posts)} posts"
        for title in self.media:
            yield f"  media: {title}"
        for title in self.posts:
            yield f"  post: {title}"


def leaver_media(school, today, days):
    cutoff = today - timedelta(days=days)
    for model in (get_image_model(), get_document_model()):
        yield from model.objects.filter(
            pupils__school=school, pupils__left_on__isnull=False, pupils__left_on__lte=cutoff
        ).distinct()


def old_posts(school, now, years):
    cutoff = now - timedelta(days=365 * years)
    return StoryPostPage.objects.descendant_of(school).filter(first_published_at__lt=cutoff)


def apply_retention(now=None, dry_run=False, schools=None):
    now = now or timezone.now()
    reports = []
    for school in schools or SchoolPage.objects.all():
        rules = settings_for_school(school)
        report = RetentionReport(school.title)
        with transaction.atomic():
            for item in leaver_media(school, now.date(), rules.leaver_media_days):
                report.media.append(item.title)
                if not dry_run:
                    item.delete()
            for post in old_posts(school, now, rules.post_retention_years):
                report.posts.append(post.title)
                if not dry_run:
                    post.delete()
        reports.append(report)
    return reports


@task()
def apply_retention_task():
    from class_pages.lifecycle.rollover import archive_expired_classes

    archived = archive_expired_classes()
    lines = [line for report in apply_retention() for line in report.lines(False)]
    return lines + [f"archive over, unpublished: {title}" for title in archived]
