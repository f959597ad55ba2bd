"""Admin for carer invitations and no-contact restrictions, scoped to the user's schools:
issuing an invitation e-mails its link; an invitation can only be revoked afterwards."""

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup

from class_pages.models import Invitation, NoContactRestriction
from class_pages.register.forms import RegisterForm
from class_pages.register.invitations import (
    issue_invitation,
    refuse_if_no_contact,
    revoke_invitation,
)
from class_pages.register.viewsets import RegisterViewSet, SchoolScopedViewMixin


class InvitationForm(RegisterForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            return cleaned
        if not cleaned.get("has_responsibility"):
            self.add_error(
                "has_responsibility",
                "Invitations go only to adults with parental or care responsibility: "
                "confirm you have checked this.",
            )
        pupil = cleaned.get("pupil")
        if pupil and (cleaned.get("adult_name") or cleaned.get("email")):
            try:
                refuse_if_no_contact(pupil, cleaned.get("adult_name"), cleaned.get("email"))
            except ValidationError as refusal:
                self.add_error(None, refusal)
        return cleaned


class RevokeInvitationForm(RegisterForm):
    revoke = forms.BooleanField(required=False, label="Revoke this invitation")

    def save(self, commit=True):
        if self.cleaned_data.get("revoke"):
            revoke_invitation(self.instance, self.for_user)
        return self.instance


class IssueInvitationView(SchoolScopedViewMixin, generic.CreateView):
    def save_instance(self):
        invitation = self.form.save(commit=False)
        issue_invitation(
            invitation, self.request.user, link_base=self.request.build_absolute_uri("/")
        )
        return invitation


class InvitationViewSet(RegisterViewSet):
    model = Invitation
    school_lookup = "pupil__school"
    icon = "mail"
    menu_label = "Invitations"
    add_view_class = IssueInvitationView
    list_display = ["adult_name", "pupil", "relationship", "status", "issued_at", "expires_at"]
    list_filter = ["relationship"]
    search_fields = ["adult_name", "email", "pupil__first_name", "pupil__last_name"]

    edit_handler = ObjectList(
        [
            FieldPanel("pupil"),
            FieldPanel("adult_name"),
            FieldPanel("email"),
            FieldPanel("relationship"),
            FieldPanel("has_responsibility"),
        ],
        base_form_class=InvitationForm,
    )
    revoke_panel = ObjectList([FieldPanel("revoke")], base_form_class=RevokeInvitationForm)

    def get_edit_view_kwargs(self, **kwargs):
        """Once issued, an invitation can only be revoked."""
        panel = self.revoke_panel.bind_to_model(self.model)
        return super().get_edit_view_kwargs(
            **{"panel": panel, "form_class": panel.get_form_class(), **kwargs}
        )


class NoContactRestrictionViewSet(RegisterViewSet):
    model = NoContactRestriction
    school_lookup = "pupil__school"
    icon = "warning"
    menu_label = "No-contact restrictions"
    list_display = ["pupil", "name", "email", "recorded_at"]
    search_fields = ["name", "email", "pupil__first_name", "pupil__last_name"]
    edit_handler = ObjectList(
        [FieldPanel("pupil"), FieldPanel("name"), FieldPanel("email"), FieldPanel("note")],
        base_form_class=RegisterForm,
    )


class CarerAccessViewSetGroup(ViewSetGroup):
    menu_label = "Carer access"
    menu_icon = "mail"
    menu_order = 260
    items = (InvitationViewSet("invitations"), NoContactRestrictionViewSet("no_contact"))
