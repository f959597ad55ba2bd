"""Private media: the image model and the video/audio model (a Wagtail document model)
with the pupils who appear in each item, renditions with random file names, and the
record of which media live posts use (what a carer may fetch). A photo or recording
never moves to another school's collection (StaysInItsSchool)."""

import os
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.documents.models import AbstractDocument, Document
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.models import Collection

from class_pages.tree import school_path


def random_name(folder, filename):
    """A storage name that tells nothing: no camera name, nothing to guess."""
    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"{folder}/{uuid.uuid4().hex}{extension}"


SCHOOL_MOVE_MESSAGE = (
    "A photo or recording stays with the school it was uploaded to: choose a collection "
    "of the same school."
)


def school_collection_path(collection_id):
    """The path of the school collection (just under the root) holding a collection."""
    path = Collection.objects.filter(pk=collection_id).values_list("path", flat=True).first()
    return school_path(path) if path else None


class StaysInItsSchool:
    """Photos and recordings never move to another school's collection: the file view
    remembers answers under the school a stored file belongs to, in every process, and
    its stored name never changes (class_pages.access.remembered)."""

    def moves_school(self, collection_id=None):
        collection_id = collection_id or self.collection_id
        if not self.pk:
            return False
        stored = type(self).objects.filter(pk=self.pk).values_list("collection_id", flat=True)
        before = stored.first()
        return before not in (None, collection_id) and school_collection_path(
            before
        ) != school_collection_path(collection_id)

    def save(self, *args, **kwargs):
        if self.moves_school():
            raise ValidationError({"collection": SCHOOL_MOVE_MESSAGE})
        super().save(*args, **kwargs)


class ClassImage(StaysInItsSchool, AbstractImage):
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


def media_upload_to(instance, filename):
    return random_name("media", filename)


class ClassMedia(StaysInItsSchool, AbstractDocument):
    """A video or audio recording (Wagtail's document model, so it has collections,
    choosers and multiple upload). Its kind is read from the file's content."""

    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio"

    file = models.FileField(upload_to=media_upload_to, verbose_name="file")
    kind = models.CharField(max_length=5, choices=Kind.choices, editable=False, default="video")
    pupils = models.ManyToManyField(
        "class_pages.Pupil",
        blank=True,
        related_name="media",
        help_text="Every pupil who can be seen, heard or identified in this recording.",
    )
    no_identifiable_pupil = models.BooleanField(
        default=False,
        verbose_name="No pupil is identifiable in this recording",
        help_text="Tick only if nobody in it can be recognised, by face or by voice.",
    )

    admin_form_fields = (*Document.admin_form_fields, "pupils", "no_identifiable_pupil")

    class Meta:
        verbose_name = "video or audio"
        verbose_name_plural = "video and audio"


class LiveMediaUse(models.Model):
    """A recording played by the live version of a story post (as LiveImageUse)."""

    post = models.ForeignKey(
        "class_pages.StoryPostPage", on_delete=models.CASCADE, related_name="live_media_uses"
    )
    media = models.ForeignKey(ClassMedia, on_delete=models.CASCADE, related_name="live_uses")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "media"], name="unique_live_media_use")
        ]

    def __str__(self):
        return f"{self.media} in {self.post}"
