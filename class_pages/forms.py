"""Admin forms: the image and video/audio forms (uploads judged by content, pupil tagging
limited to the user's own pupils) and the register forms (every choice limited to the
schools the user keeps the register of)."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from .access import register_classes, register_schools, taggable_pupils
from .carer_links import link_refusal, may_reinstate, save_link
from .models import CarerLink, Medium, Pupil, consent_map
from .models.media import SCHOOL_MOVE_MESSAGE
from .storage import DISK_FULL_MESSAGE, StorageFullError
from .uploads import clean_image_upload, clean_recording_upload


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


class RegisterForm(WagtailAdminModelForm):
    """Base for register forms: choices limited to the user's schools."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schools = register_schools(self.for_user) if self.for_user else None
        if schools is None:
            return
        if "school" in self.fields:
            self.fields["school"].queryset = schools
        if "pupil" in self.fields:
            self.fields["pupil"].queryset = Pupil.objects.filter(school__in=schools)
        if "class_page" in self.fields:
            field = self.fields["class_page"]
            field.queryset = register_classes(self.for_user)
            # A plain list: office staff explore no pages, so a page chooser shows none.
            field.widget = forms.Select()
            field.widget.choices = field.choices


class CarerLinkForm(RegisterForm):
    """The carer is named by username or e-mail, so the form never lists the accounts
    of other schools' families."""

    carer_account = forms.CharField(label="Carer's account (username or e-mail)", max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.carer_id:
            self.fields["carer_account"].initial = self.instance.carer.get_username()

    def clean_carer_account(self):
        value = self.cleaned_data["carer_account"].strip()
        users = get_user_model().objects.filter(Q(username=value) | Q(email__iexact=value))
        if users.count() != 1:
            raise forms.ValidationError(
                "No single account has that username or e-mail. Ask the carer to "
                "create their account first, or check the spelling."
            )
        return users.get()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status", "active") != "active" and not cleaned.get("end_reason"):
            self.add_error("end_reason", "Say why the carer's access is suspended or revoked.")
        carer, pupil = cleaned.get("carer_account"), cleaned.get("pupil")
        if carer and pupil:
            duplicates = type(self.instance).objects.filter(carer=carer, pupil=pupil)
            if duplicates.exclude(pk=self.instance.pk).exists():
                self.add_error("carer_account", "This carer is already linked to this pupil.")
            elif cleaned.get("status") == CarerLink.Status.ACTIVE:
                self._refuse_if_kept_out(carer, pupil, cleaned)
        return cleaned

    def _refuse_if_kept_out(self, carer, pupil, cleaned):
        """The register's rule (carer_links), shown as a form error before saving."""
        stored = None
        if self.instance.pk:
            stored = type(self.instance).objects.filter(pk=self.instance.pk).first()
        refusal = link_refusal(
            carer,
            pupil,
            stored.status if stored else None,
            by=self.for_user,
            reason=cleaned.get("status_reason", ""),
        )
        if refusal is not None:
            field = "status" if refusal.code == "ended" else None
            message = refusal.messages[0]
            if refusal.code == "ended" and may_reinstate(self.for_user, pupil):
                message = "To restore this carer's access, give the reason in the note."
                field = "status_reason"
            self.add_error(field, message)

    def save(self, commit=True):
        self.instance.carer = self.cleaned_data["carer_account"]
        if not commit:
            return super().save(commit=False)
        instance = super().save(commit=False)
        save_link(
            instance,
            by=self.for_user,
            reason=self.cleaned_data.get("status_reason", ""),
            source="office form",
        )
        self.save_m2m()
        return instance


class PaperConsentForm(RegisterForm):
    """Office staff copy a carer's paper consent form into the register. "Given" is an
    explicit choice with no default, so a forgotten tick cannot record a withdrawal (which
    takes posts down at once). Method and recorder are set by the view, never typed."""

    given = forms.TypedChoiceField(
        label="The carer's answer",
        choices=[("yes", "Consent given"), ("no", "Consent refused or withdrawn")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the paper form says."},
    )
