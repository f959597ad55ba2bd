"""StoryPostPage, one post: the unit that goes through moderation, under a class page or
the whole-school story; and the permission tester that spares the admin a query a row."""

from django.db import models
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PagePermissionTester
from wagtail.search import index

from class_pages.blocks import StoryMediaBlock, photos_in_raw_stream, recordings_in_raw_stream
from class_pages.page_forms import StoryPostForm


class PostPermissionTester(PagePermissionTester):
    """A post never has pages below it, so "is anything that would be deleted live?"
    (asked for staff without publish, i.e. everyone here) is its own live flag: Wagtail
    asks the database once per row of every admin listing instead."""

    def can_delete(self, ignore_bulk=False):
        if (
            self.page.is_leaf()
            and self.user.is_active
            and not self.user.is_superuser
            and "change" in self.permissions
            and "publish" not in self.permissions
        ):
            return not self.page.live
        return super().can_delete(ignore_bulk=ignore_bulk)


class StoryPostPage(Page):
    """One post: the unit that goes through moderation."""

    class Kind(models.TextChoices):
        LEARNING = "learning", "Learning"
        CELEBRATION = "celebration", "Celebration"
        REMINDER = "reminder", "Reminder"
        EVENT = "event", "Event"
        HOME_LEARNING = "home-learning", "Home learning"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LEARNING)
    event_date = models.DateField(
        null=True, blank=True, help_text="The day of the event, or the deadline."
    )
    body = models.TextField(
        blank=True, help_text="Plain text. No surnames, no talk of an individual child's matters."
    )
    media = StreamField(StoryMediaBlock(), blank=True, use_json_field=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("event_date"),
        FieldPanel("body"),
        HelpPanel(
            content="Tag every pupil who appears in a photo on the image itself "
            "(Images › edit), or tick “No pupil is identifiable”."
        ),
        FieldPanel("media"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    base_form_class = StoryPostForm  # media only from the class's own library
    parent_page_types = ["class_pages.ClassPage", "class_pages.SchoolStoryIndexPage"]
    subpage_types = []

    def permissions_for_user(self, user):
        return PostPermissionTester(user, self)

    template = "class_pages/story_post_page.html"

    class Meta:
        verbose_name = "story post"

    def photo_entries(self):
        """(image_id, alt_text, caption) for every photo of this version of the post."""
        return list(photos_in_raw_stream(self.media.raw_data))

    def image_ids(self):
        return {image_id for image_id, _, _ in self.photo_entries()}

    def recording_entries(self):
        """(kind, media_id, description, caption) for every video/audio item."""
        return list(recordings_in_raw_stream(self.media.raw_data))

    def media_ids(self):
        return {media_id for _, media_id, _, _ in self.recording_entries()}
