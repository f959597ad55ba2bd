"""Consent records: append-only rows saying who gave or withdrew which consent for a
pupil, when and how. Whether a pupil may appear in a medium now follows from all of them
by one rule (`consent_in_force`), used by the consent check, takedown and "My children"."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from class_pages.models.register import CarerLink


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


def consent_map(pupil_ids, media, today=None):
    """{(pupil_id, medium): True/False}: may each pupil appear in each medium now, by the
    rule of `consent_in_force` (two queries, whatever the number of pupils).

    Missing, withdrawn, refused and lapsed consents are all False."""
    pupil_ids = list(pupil_ids)
    result = {(pupil_id, medium): False for pupil_id in pupil_ids for medium in media}
    if not pupil_ids:
        return result
    responsible = set(
        CarerLink.objects.filter(pupil_id__in=pupil_ids, has_responsibility=True).values_list(
            "pupil_id", "carer_id"
        )
    )
    records = ConsentRecord.objects.filter(pupil_id__in=pupil_ids, medium__in=media).order_by(
        "recorded_at", "pk"
    )
    history = {}
    for record in records.only(
        "pupil_id", "medium", "given", "valid_until", "method", "recorded_by_id"
    ):
        history.setdefault((record.pupil_id, record.medium), []).append(record)
    today = today or timezone.localdate()
    for key, records in history.items():
        result[key] = consent_in_force(records, responsible, today)
    return result


SCHOOL = "school"


def voice_of(record, responsible):
    """Whose answer a record is: the school's (a paper form the office copied in, or a
    record no adult made, such as an import), an adult with parental responsibility for
    the pupil, or nobody whose answer counts (None)."""
    if record.method == ConsentRecord.Method.PAPER or record.recorded_by_id is None:
        return SCHOOL
    if (record.pupil_id, record.recorded_by_id) in responsible:
        return record.recorded_by_id
    return None


def consent_in_force(records, responsible, today):
    """The consent rule, for one pupil and one medium (records oldest first).

    Each adult with parental responsibility has one current answer, their latest; the
    school's latest record replaces every answer given before it (the office copies in
    what the family agreed on paper). The pupil may appear only if at least one current
    answer says yes and none says no. A yes that has lapsed (valid_until passed) counts
    as a no from that day, so one carer's yes never outweighs another's no or the
    school's, and only the adult who said no, or the school, can change it."""
    answers = {}
    for record in records:
        voice = voice_of(record, responsible)
        if voice is None:
            continue
        if voice == SCHOOL:
            answers.clear()
        answers[voice] = record.in_force(today)
    return bool(answers) and all(answers.values())


def own_answers(pupil_id, user, media):
    """{medium: True/False/None}: what this adult last answered themselves (None: never)."""
    answers = dict.fromkeys(media)
    records = ConsentRecord.objects.filter(
        pupil_id=pupil_id, medium__in=media, recorded_by=user, method=ConsentRecord.Method.ONLINE
    ).order_by("recorded_at", "pk")
    for record in records.only("medium", "given", "valid_until"):
        answers[record.medium] = record.in_force()
    return answers


def current_consent(pupil, medium):
    """True only if the pupil may appear in this medium now (see consent_in_force)."""
    return consent_map([pupil.pk], [medium])[(pupil.pk, medium)]
