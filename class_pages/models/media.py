"""Private media: the image model with the pupils who appear in each image, renditions
with random file names, and the record of which images live posts use (what a carer may
fetch)."""

import os
import uuid

from django.db import models
from wagtail.images.models import AbstractImage, AbstractRendition, Image


def random_name(folder, filename):
    """A storage name that tells nothing: no camera name, nothing to guess."""
    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"{folder}/{uuid.uuid4().hex}{extension}"


class ClassImage(AbstractImage):
    pupils = models.ManyToManyField(
        "class_pages.Pupil",
        blank=True,
        related_name="images",
        help_text="Every pupil who can be seen or identified in this image.",
    )
    no_identifiable_pupil = models.BooleanField(
        default=False,
        verbose_name="No pupil is identifiable in this image",
        help_text="Tick only if nobody in the image can be recognised (work, displays, hands).",
    )

    detected_faces = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Faces the moderation check detected (counted, never recognised).",
    )

    admin_form_fields = (*Image.admin_form_fields, "pupils", "no_identifiable_pupil")

    def get_upload_to(self, filename):
        return random_name("original_images", filename)

    def save(self, *args, **kwargs):
        if self.pk:
            stored = type(self).objects.filter(pk=self.pk).values_list("file", flat=True).first()
            if stored != self.file.name:
                self.detected_faces = None  # a new file needs a new look
        super().save(*args, **kwargs)


class ClassRendition(AbstractRendition):
    image = models.ForeignKey(ClassImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)

    def get_upload_to(self, filename):
        return random_name("images", filename)


class LiveImageUse(models.Model):
    """An image shown by the live version of a story post. Rebuilt on publish, cleared on
    unpublish: a carer may fetch renditions of an image only through such a row."""

    post = models.ForeignKey(
        "class_pages.StoryPostPage", on_delete=models.CASCADE, related_name="live_image_uses"
    )
    image = models.ForeignKey(ClassImage, on_delete=models.CASCADE, related_name="live_uses")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "image"], name="unique_live_image_use")
        ]

    def __str__(self):
        return f"{self.image} in {self.post}"
