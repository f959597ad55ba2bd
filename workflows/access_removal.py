"""Removing access for a breach of the agreement: a leader suspends or revokes a carer's
access to their school's class pages, or withdraws a member of staff's posting rights,
with a reason and a note. It takes effect on the next request and is logged."""

from django.conf import settings
from django.db import models, transaction

from class_pages.models import CarerLink, ClassPage


class AccessRemoval(models.Model):
    class Kind(models.TextChoices):
        CARER_SUSPENDED = "carer-suspended", "Carer's access suspended"
        CARER_REVOKED = "carer-revoked", "Carer's access revoked"
        POSTING_REMOVED = "posting-removed", "Staff posting rights removed"

    school = models.ForeignKey(
        "class_pages.SchoolPage", on_delete=models.CASCADE, related_name="access_removals"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_removals"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.CharField(max_length=12, choices=CarerLink.EndReason.choices)
    note = models.TextField(blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-removed_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.person} ({self.get_reason_display()})"


def carers_of_school(school):
    return CarerLink.objects.filter(pupil__school=school).values("carer")


def teachers_groups_of_school(school):
    return (
        ClassPage.objects.descendant_of(school)
        .exclude(teachers_group=None)
        .values("teachers_group")
    )


@transaction.atomic
def remove_access(school, person, kind, reason, note, by):
    """Apply and log the removal. Carer links of the school change status (grants follow
    through the register's signals); staff leave every teachers group of the school."""
    if kind == AccessRemoval.Kind.POSTING_REMOVED:
        person.groups.remove(*person.groups.filter(pk__in=teachers_groups_of_school(school)))
    else:
        status = (
            CarerLink.Status.SUSPENDED
            if kind == AccessRemoval.Kind.CARER_SUSPENDED
            else CarerLink.Status.REVOKED
        )
        for link in CarerLink.objects.filter(carer=person, pupil__school=school):
            link.status, link.end_reason, link.status_reason = status, reason, note[:255]
            link.save()
    return AccessRemoval.objects.create(
        school=school, person=person, kind=kind, reason=reason, note=note, removed_by=by
    )
