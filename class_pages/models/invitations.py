"""How a carer comes in: an invitation for a named adult with parental or care
responsibility for a pupil (only a hash of its token is stored), and "no contact"
restrictions (e.g. a court order) that refuse invitations for a person."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from class_pages.models.register import CarerLink


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def default_expiry():
    days = getattr(settings, "CLASSPAGES_INVITATION_DAYS", 14)
    return timezone.now() + timedelta(days=days)


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    pupil = models.ForeignKey(
        "class_pages.Pupil", on_delete=models.CASCADE, related_name="invitations"
    )
    adult_name = models.CharField("name of the adult", max_length=150)
    email = models.EmailField()
    relationship = models.CharField(
        max_length=20, choices=CarerLink.Relationship.choices, default="parent"
    )
    has_responsibility = models.BooleanField(
        "has parental or care responsibility",
        default=False,
        help_text="I have checked that this adult holds parental or care responsibility "
        "for the pupil.",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=default_expiry, editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return f"Invitation for {self.adult_name} ({self.pupil})"

    def new_token(self):
        """Set a fresh token; returns it (only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = token_hash(token)
        return token

    @property
    def status(self):
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "waiting"


class NoContactRestriction(models.Model):
    """A person who must not be given access to a pupil (court order, safeguarding)."""

    pupil = models.ForeignKey(
        "class_pages.Pupil", on_delete=models.CASCADE, related_name="no_contact_restrictions"
    )
    name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    note = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"No contact: {self.name or self.email} for {self.pupil}"

    def matches(self, name, email):
        def folded(value):
            return " ".join((value or "").casefold().split())

        return bool(
            (self.email and folded(self.email) == folded(email))
            or (self.name and folded(self.name) == folded(name))
        )
