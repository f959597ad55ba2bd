"""Admin forms of the pupil register: every choice limited to the schools the user keeps
the register of; carer links go through the one gate (register.carer_links)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.admin.forms import WagtailAdminModelForm

from class_pages.access import register_classes, register_schools
from class_pages.models import CarerLink, Pupil
from class_pages.register.carer_links import link_refusal, may_reinstate, save_link


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
