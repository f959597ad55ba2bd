"""What carers chose to hear about new posts, and what they were told: one row per carer
and place they follow (a class page or their school's whole-school story) with how often,
and one row per carer and post they were e-mailed about, the claim that makes every send
idempotent. The choices live here, next to the model that stores them."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", "An e-mail for each new post"
    DAILY = "daily", "One e-mail a day with the day's new posts"
    NONE = "none", "No e-mails"


DEFAULT_FREQUENCY = Frequency.IMMEDIATE


class NotificationPreference(models.Model):
    """How often one carer hears about new posts in one place (a ClassPage or a
    SchoolStoryIndexPage). No row means the default (an e-mail for each new post)."""

    carer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    place = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=DEFAULT_FREQUENCY
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carer", "place"], name="unique_notification_choice")
        ]

    def __str__(self):
        return f"{self.carer} · {self.place}: {self.get_frequency_display()}"


class SentNotification(models.Model):
    """A carer was e-mailed about a post (alone or in a digest): the claim that makes every
    send idempotent. Written before the e-mail leaves and removed if sending fails."""

    class Kind(models.TextChoices):
        IMMEDIATE = "immediate", "Immediate"
        DAILY = "daily", "Daily digest"

    carer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(
        "class_pages.StoryPostPage", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carer", "post"], name="unique_post_notification")
        ]

    def __str__(self):
        return f"{self.carer} told about {self.post_id} ({self.kind})"
