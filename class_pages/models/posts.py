"""StoryPostPage, one post: the unit that goes through moderation, under a class page or
the whole-school story; its editor as teachers see it (no search-engine or menu fields:
a post is never public, and its web address is made from the title); its status as the
admin listing shows it; and the permission tester that spares the admin a query a row."""

from django.db import models
from wagtail.admin.panels import (
    CommentPanel,
    FieldPanel,
    HelpPanel,
    MultiFieldPanel,
    PublishingPanel,
    TitleFieldPanel,
)
from wagtail.fields import StreamField
from wagtail.models import Page, PagePermissionTester, WorkflowState
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


class SuperuserSchedulePanel(PublishingPanel):
    """Wagtail's go-live/expiry panel whose fields only a superuser's form has (the
    panel's own `permission` hides it but leaves the fields in the form)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for child in self.children:
            child.permission = "superuser"


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
        TitleFieldPanel(
            "title",
            help_text="Families see this once a leader approves the post.",
        ),
        FieldPanel("kind", help_text="Reminders and events also appear on the class calendar."),
        FieldPanel("event_date"),
        FieldPanel(
            "body",
            # The editor's words; the field's own help text stays (changing it is a migration).
            help_text="What the class did, in a few plain sentences. First names only, and "
            "nothing about one child's private matters (health, behaviour, family).",
        ),
        HelpPanel(
            content="Tag every pupil who appears in a photo on the image itself "
            "(Images › edit), or tick “No pupil is identifiable”."
        ),
        FieldPanel("media"),
    ]
    # A post is never public (the class pages sit behind sign-in), so search-engine and
    # menu fields mean nothing to a teacher; its web address is made from the title
    # (StoryPostForm). Only a superuser sees them; the appropriateness check reads them
    # anyway (workflows.checks.appropriateness.shown), whoever filled them in.
    promote_panels = [
        MultiFieldPanel(
            [
                FieldPanel(name, permission="superuser")
                for name in ("slug", "seo_title", "search_description", "show_in_menus")
            ],
            heading="Web address and search engines (superusers only)",
        )
    ]
    # Go-live and expiry times: a post approved for later would go live without a fresh
    # consent check (the takedown on withdrawn consent looks at live posts), so only a
    # superuser may schedule one until scheduled posts are checked when they go live.
    settings_panels = [SuperuserSchedulePanel(), CommentPanel()]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    base_form_class = StoryPostForm  # media only from the class's own library
    parent_page_types = ["class_pages.ClassPage", "class_pages.SchoolStoryIndexPage"]
    subpage_types = []

    def permissions_for_user(self, user):
        return PostPermissionTester(user, self)

    @property
    def changes_requested(self):
        """Whether the post's workflow waits for the teacher's changes (a check or a leader
        sent it back); the admin listing's prefetched workflow states answer it there."""
        if hasattr(self, "_current_workflow_states"):
            return any(
                state.status == WorkflowState.STATUS_NEEDS_CHANGES
                for state in self._current_workflow_states
            )
        return self.workflow_states.filter(status=WorkflowState.STATUS_NEEDS_CHANGES).exists()

    @property
    def status_string(self):
        """Wagtail says "draft" for a post sent back for changes; the dashboard's "Class
        posts" (workflows.panels) says "Changes requested": say the same here."""
        if self.changes_requested:
            return "live + changes requested" if self.live else "changes requested"
        return super().status_string

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
