"""A carer's private calendar subscription (the iCal feed behind /calendar/<token>.ics).

The token is a random secret shown to its owner once, when it is made; only its SHA-256
hash is stored, as for invitations, so the database alone never yields a working link.
Making a new link replaces the hash (the old link stops working at once); turning the
link off deletes the row. What the feed shows is decided at fetch time by
class_pages.site.calendar from the owner's current access, never stored here."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from class_pages.models.invitations import token_hash

# Writing on every poll of every phone is pointless; once an hour says enough.
FETCH_RECORD_INTERVAL = timedelta(hours=1)


class CalendarFeed(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        editable=False,
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, help_text="When the current link was made."
    )
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "calendar link"

    def __str__(self):
        return f"Calendar link of {self.user}"

    @classmethod
    @transaction.atomic
    def issue(cls, user):
        """Make the user's link, or replace it. Returns (feed, token); the token exists
        only in this return value."""
        token = secrets.token_urlsafe(32)
        feed, _ = cls.objects.update_or_create(
            user=user,
            defaults={
                "token_hash": token_hash(token),
                "created_at": timezone.now(),
                "last_fetched_at": None,
            },
        )
        return feed, token

    @classmethod
    def for_token(cls, token):
        """The feed this token opens, with its owner, or None."""
        return cls.objects.select_related("user").filter(token_hash=token_hash(token)).first()

    def record_fetch(self):
        now = timezone.now()
        if self.last_fetched_at is None or now - self.last_fetched_at >= FETCH_RECORD_INTERVAL:
            type(self).objects.filter(pk=self.pk).update(last_fetched_at=now)
            self.last_fetched_at = now
