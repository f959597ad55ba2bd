"""Per-school options that are not rules of moderation (a Wagtail site setting: each
school is the root of its own Site)."""

from django.db import models
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site


@register_setting(icon="home")
class SchoolSettings(BaseSiteSetting):
    watermark_carer_photos = models.BooleanField(
        default=False,
        help_text="Print the school's name on every photo carers see, as a reminder that "
        "photos must not be shared outside the class pages.",
    )

    leaver_media_days = models.PositiveIntegerField(
        default=90,
        help_text="Photos and recordings showing a pupil who left are deleted this many days "
        "after they left (0: at the next run).",
    )
    post_retention_years = models.PositiveIntegerField(
        default=3,
        help_text="Posts first published longer ago than this are deleted, with their media.",
    )

    archive_days = models.PositiveIntegerField(
        default=90,
        help_text="After the year rollover, last year's class pages stay visible to their "
        "carers (read-only) for this many days.",
    )

    class Meta:
        verbose_name = "school settings"


def settings_for_school(school):
    site = Site.objects.filter(root_page_id=getattr(school, "pk", None)).first()
    return SchoolSettings.for_site(site) if site else SchoolSettings()
