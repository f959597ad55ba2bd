"""The record kept when a pupil is erased: that it happened, when, by whom and how much
was removed; nothing that identifies the pupil."""

from django.conf import settings
from django.db import models


class ErasureRecord(models.Model):
    school = models.ForeignKey(
        "class_pages.SchoolPage", on_delete=models.CASCADE, related_name="erasures"
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(auto_now_add=True)
    media_deleted = models.PositiveIntegerField(default=0)
    tags_removed = models.PositiveIntegerField(default=0)
    posts_unpublished = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at", "-pk"]

    def __str__(self):
        return f"Pupil record erased on {self.erased_at:%Y-%m-%d}"
