"""Consent records: append-only rows saying who gave or withdrew which consent for a
pupil, when and how. The current state of a consent is its latest record."""

from django.conf import settings
from django.db import models


class Medium(models.TextChoices):
    PARTICIPATION = "participation", "Taking part in the class pages"
    PHOTO = "photo", "Photographs"
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio recordings"


class ConsentRecord(models.Model):
    class Method(models.TextChoices):
        ONLINE = "online", "Online, by the carer"
        PAPER = "paper", "Paper form, recorded by staff"

    pupil = models.ForeignKey(
        "class_pages.Pupil", on_delete=models.CASCADE, related_name="consent_records"
    )
    medium = models.CharField(max_length=20, choices=Medium.choices)
    given = models.BooleanField()
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.ONLINE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["pupil", "medium", "-recorded_at"])]

    def __str__(self):
        verb = "gave" if self.given else "withdrew"
        return f"{self.pupil}: {verb} {self.get_medium_display().lower()}"


def current_consent(pupil, medium):
    """True only if the latest record for this pupil and medium gives consent."""
    latest = (
        ConsentRecord.objects.filter(pupil=pupil, medium=medium)
        .order_by("-recorded_at", "-pk")
        .values_list("given", flat=True)
        .first()
    )
    return bool(latest)
