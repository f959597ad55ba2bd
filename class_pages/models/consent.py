"""Consent records: append-only rows saying who gave or withdrew which consent for a
pupil, when and how. The current state of a consent is its latest record."""

from django.conf import settings
from django.db import models
from django.utils import timezone


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
    valid_until = models.DateField(
        null=True, blank=True, help_text="Consent given for a limited time ends after this day."
    )
    note = models.TextField(
        blank=True,
        help_text="For a paper form: where it is filed, or its reference. No other details.",
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["pupil", "medium", "-recorded_at"])]

    def __str__(self):
        verb = "gave" if self.given else "withdrew"
        return f"{self.pupil}: {verb} {self.get_medium_display().lower()}"

    def in_force(self, today=None):
        today = today or timezone.localdate()
        return self.given and (self.valid_until is None or self.valid_until >= today)


def consent_map(pupil_ids, media):
    """{(pupil_id, medium): True/False} from the latest record of each, in one query.
    Missing, withdrawn and expired consents are all False."""
    result = {(pupil_id, medium): False for pupil_id in pupil_ids for medium in media}
    seen = set()
    records = ConsentRecord.objects.filter(pupil_id__in=pupil_ids, medium__in=media).order_by(
        "-recorded_at", "-pk"
    )
    for record in records.only("pupil_id", "medium", "given", "valid_until"):
        key = (record.pupil_id, record.medium)
        if key not in seen:
            seen.add(key)
            result[key] = record.in_force()
    return result


def current_consent(pupil, medium):
    """True only if the latest record for this pupil and medium gives consent now."""
    return consent_map([pupil.pk], [medium])[(pupil.pk, medium)]
