"""Carers' per-class view permission (django-guardian, direct foreign-key models so the
checks use an index) and the log of every grant and revocation."""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class ClassPageUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("class_pages.ClassPage", on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class ClassPageGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("class_pages.ClassPage", on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


class AccessChange(models.Model):
    """One carer gaining or losing sight of one class page, and why."""

    class Change(models.TextChoices):
        GRANTED = "granted", "Granted"
        REVOKED = "revoked", "Revoked"

    carer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_access_changes"
    )
    class_page = models.ForeignKey(
        "class_pages.ClassPage", on_delete=models.CASCADE, related_name="access_changes"
    )
    change = models.CharField(max_length=10, choices=Change.choices)
    reason = models.CharField(max_length=255)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.carer} {self.change} {self.class_page} ({self.reason})"
