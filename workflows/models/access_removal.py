"""The record of a removal of access for a breach of the agreement (who, what kind, why,
by whom); the leaders' tool that removes it is workflows.leaders.access_removal."""

from django.conf import settings
from django.db import models

from class_pages.models import CarerLink


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
