"""Admin forms of photos and recordings: uploads judged by content and stored during
validation, pupil tagging limited to the user's own pupils with each pupil's consents shown,
and every photo upload an image of its own (never Wagtail's "duplicate" offer of an old one)."""

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from class_pages.access import taggable_pupils
from class_pages.media.storage import DISK_FULL_MESSAGE, StorageFullError
from class_pages.media.uploads import clean_image_upload, clean_recording_upload
from class_pages.models import Medium, Pupil, consent_map
from class_pages.models.media import SCHOOL_MOVE_MESSAGE


class SafeImageField(WagtailImageField):
    """Wagtail's image field, but a new upload is judged by content first and only its
    clean copy goes on (Wagtail's own checks would crash on some damaged files)."""

    def to_python(self, data):
        if isinstance(data, UploadedFile):
            data = clean_image_upload(data)
        return super().to_python(data)


def consent_label(pupil, consents):
    """ "Amira H. — photo ✓ · video ✓ · audio ✗" (first name and initial only)."""
    if not consents.get((pupil.pk, Medium.PARTICIPATION)):
        return f"{pupil.display_name} — NOT taking part"
    marks = " · ".join(
        f"{medium} {'✓' if consents.get((pupil.pk, medium)) else '✗ no consent'}"
        for medium in (Medium.PHOTO, Medium.VIDEO, Medium.AUDIO)
    )
    return f"{pupil.display_name} — {marks}"


class PupilTaggingMixin:
    """Tagging pupils on a medium: only the user's own pupils are offered (plus those
    already tagged), and tags exclude the "no pupil is identifiable" statement."""

    def limit_pupils(self, user):
        if "pupils" in self.fields:
            allowed = taggable_pupils(user)
            if self.instance.pk:
                allowed = Pupil.objects.filter(
                    Q(pk__in=allowed.values("pk")) | Q(pk__in=self.instance.pupils.values("pk"))
                ).distinct()
            field = self.fields["pupils"]
            field.queryset = allowed
            consents = consent_map(list(allowed.values_list("pk", flat=True)), list(Medium.values))
            # Staff see what each pupil's carers agreed to while they tag.
            field.label_from_instance = lambda pupil: consent_label(pupil, consents)
            field.widget = forms.CheckboxSelectMultiple()
            field.widget.choices = field.choices

    def clean(self):
        cleaned = super().clean()
        collection = cleaned.get("collection")
        if collection is not None and self.instance.moves_school(collection.pk):
            self.add_error("collection", SCHOOL_MOVE_MESSAGE)
        if cleaned.get("pupils") and cleaned.get("no_identifiable_pupil"):
            self.add_error(
                "no_identifiable_pupil",
                "You have tagged pupils, so pupils are identifiable: untick this box "
                "or remove the tags.",
            )
        return cleaned


REUPLOAD_MESSAGE = (
    "This file could not be checked in this step. Remove it and upload it again, with its "
    "details; nothing was saved."
)


class StoreUploadMixin:
    """The uploaded file is written to storage while the form is validated, once every
    other check has passed. Wagtail's views write it later, in their save, where a full disk
    is a 500; here it is a form error, and the storage has already removed what it wrote.
    An accepted file on a form with other errors is refused too (see _hold_back)."""

    def clean(self):
        cleaned = super().clean()
        if self._from_earlier_upload():
            # Wagtail's "finish an earlier upload" step would store that upload's bytes as
            # they came, past every check of the file above (metadata, remux, limits).
            raise ValidationError(REUPLOAD_MESSAGE, code="upload_again")
        return cleaned

    def _from_earlier_upload(self):
        return "file" not in self.fields and self.instance.pk is None

    def _post_clean(self):
        if self._from_earlier_upload():
            return  # no file to validate: the model would report it on a field not here
        refusals = len(self._errors.get("file", ()))
        super()._post_clean()
        if refusals:
            # The upload itself was refused, so the model then checks an empty name and adds
            # "File extension “” is not allowed": noise under the real reason.
            del self._errors["file"][refusals:]
        stored = getattr(self.instance, "file", None)
        if "file" not in self.fields or not stored or stored._committed:
            return
        upload = stored.file
        if self._errors:
            self._hold_back(upload)
            return
        try:
            stored.save(stored.name, upload, save=False)
        except StorageFullError:
            self.add_error("file", ValidationError(DISK_FULL_MESSAGE, code="disk_full"))
        finally:
            if hasattr(upload, "temporary_file_path"):
                upload.close()  # a remuxed recording: its temporary copy goes now, not at exit

    def _hold_back(self, upload):
        """Wagtail's multiple upload keeps a file whose other fields failed as it came (an
        UploadedFile: GPS, tags and all) and later makes the item from those raw bytes
        without these checks. An error on the file makes it refuse the upload instead; in
        the one-file form the file has to be chosen again anyway."""
        if "file" in self._errors:
            return
        reasons = "; ".join(
            f"{self.fields[name].label if name in self.fields else 'Form'}: {' '.join(errors)}"
            for name, errors in self._errors.items()
        )
        self.add_error(
            "file",
            ValidationError(
                f"The file was not saved ({reasons}). Correct this, then choose the file again.",
                code="not_saved",
            ),
        )
        if hasattr(upload, "temporary_file_path"):
            upload.close()


class ClassImageForm(StoreUploadMixin, PupilTaggingMixin, BaseImageForm):
    def __init__(self, *args, **kwargs):
        user = kwargs.get("user")
        super().__init__(*args, **kwargs)
        if isinstance(self.fields.get("file"), WagtailImageField):
            # Same field, stricter parsing: keeps every option Wagtail gave it.
            self.fields["file"].__class__ = SafeImageField
        self.limit_pupils(user)

    def save(self, commit=True):
        image = super().save(commit=commit)
        if "file" in self.changed_data:
            # Wagtail finds "duplicates" by this hash and offers the older image instead of
            # the new upload, with that image's pupil tags (and title, which names the class).
            # Every upload gets a value of its own, so no upload is ever matched to another:
            # the new photo stands alone and is tagged as the teacher chooses now.
            image.file_hash = secrets.token_hex(20)  # 40 hex characters, like a SHA-1
            if commit:
                type(image).objects.filter(pk=image.pk).update(file_hash=image.file_hash)
        return image


class ClassMediaForm(StoreUploadMixin, PupilTaggingMixin, BaseDocumentForm):
    """Video and audio: the type is read from the content, the size limited by kind."""

    def __init__(self, *args, **kwargs):
        user = kwargs.get("user")
        super().__init__(*args, **kwargs)
        self.limit_pupils(user)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            self.instance.kind, upload = clean_recording_upload(upload)
        return upload
