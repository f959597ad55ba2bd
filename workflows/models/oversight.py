"""Leaders' oversight records: monitoring reviews of class pages, carers' concern reports
about posts, and the school's review interval (a site setting)."""

from django.conf import settings
from django.db import models
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


@register_setting(icon="view")
class OversightSettings(BaseSiteSetting):
    review_interval_days = models.PositiveIntegerField(
        default=14,
        help_text="A class page not reviewed by a leader for longer than this is overdue.",
    )

    class Meta:
        verbose_name = "oversight settings"


class ClassReview(models.Model):
    """A leader looked at a class page and says how it is going (evidence for governors
    and inspectors)."""

    class Outcome(models.TextChoices):
        FINE = "fine", "Fine"
        FOLLOW_UP = "follow-up", "Follow-up needed"

    class_page = models.ForeignKey(
        "class_pages.ClassPage", on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        indexes = [models.Index(fields=["class_page", "-reviewed_at"])]

    def __str__(self):
        return f"{self.class_page} reviewed {self.reviewed_at:%Y-%m-%d}: {self.outcome}"


class ConcernReport(models.Model):
    """A carer's report about a post. Leaders only; never a conversation."""

    class Reason(models.TextChoices):
        NO_CONSENT = "no-consent", "It shows a child without consent"
        INAPPROPRIATE = "inappropriate", "It is inappropriate"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a leader"
        DISMISSED = "dismissed", "Looked at: no action needed"
        UNPUBLISHED = "unpublished", "Looked at: the post was taken down"

    post = models.ForeignKey(
        "class_pages.StoryPostPage", on_delete=models.CASCADE, related_name="concern_reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="concern_reports"
    )
    reason = models.CharField(max_length=15, choices=Reason.choices)
    details = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    leader_note = models.TextField(
        blank=True, help_text="For the school's records; the carer never sees it."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Concern about {self.post} ({self.get_status_display()})"
