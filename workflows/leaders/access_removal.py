"""Removing access for a breach of the agreement, a leaders' tool: a leader suspends or
revokes a carer's access to their school's class pages, or withdraws a member of staff's
posting rights, with a reason and a note. It takes effect on the next request and is
logged (workflows.models.access_removal.AccessRemoval, shown in the audit log)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from class_pages.access.roles import teachers_groups_of
from class_pages.http import private_response
from class_pages.models import CarerLink, SchoolPage
from workflows.leaders.gate import led_schools
from workflows.leaders.menu import LeadersViewSet
from workflows.models import AccessRemoval


def carers_of_school(school):
    """Everyone with a carer link (of any status) to a pupil of the school: a suspended
    carer can still be revoked."""
    return CarerLink.objects.filter(pupil__school=school).values("carer")


@transaction.atomic
def remove_access(school, person, kind, reason, note, by):
    """Apply and log the removal. Carer links of the school change status (grants follow
    through the register's signals); staff leave every teachers group of the school."""
    if kind == AccessRemoval.Kind.POSTING_REMOVED:
        person.groups.remove(*person.groups.filter(pk__in=teachers_groups_of(school)))
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


class RemovalForm(forms.Form):
    school = forms.ModelChoiceField(queryset=SchoolPage.objects.none())
    person = forms.CharField(label="Person (username or e-mail)", max_length=254)
    kind = forms.ChoiceField(choices=AccessRemoval.Kind.choices)
    reason = forms.ChoiceField(choices=CarerLink.EndReason.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def clean(self):
        cleaned = super().clean()
        school, name, kind = cleaned.get("school"), cleaned.get("person"), cleaned.get("kind")
        if not (school and name and kind):
            return cleaned
        users = get_user_model().objects.filter(username=name) | get_user_model().objects.filter(
            email__iexact=name
        )
        if kind == AccessRemoval.Kind.POSTING_REMOVED:
            users = users.filter(groups__in=teachers_groups_of(school))
            missing = "No teacher of this school has that username or e-mail."
        else:
            users = users.filter(pk__in=carers_of_school(school))
            missing = "No carer of this school has that username or e-mail."
        users = users.distinct()
        if users.count() != 1:
            self.add_error("person", missing)
        else:
            cleaned["user"] = users.get()
        return cleaned


def remove_access_view(request):
    schools = led_schools(request.user)
    form = RemovalForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["user"] == request.user:
            form.add_error("person", "You cannot remove your own access here.")
        else:
            remove_access(
                data["school"],
                data["user"],
                data["kind"],
                data["reason"],
                data["note"],
                request.user,
            )
            messages.success(request, "Done. The change applies from their next request.")
            return redirect("workflows_remove_access")
    removals = AccessRemoval.objects.filter(school__in=schools).select_related(
        "person", "removed_by"
    )[:50]
    context = {"form": form, "removals": removals}
    return private_response(
        TemplateResponse(request, "workflows/audit/remove_access.html", context)
    )


class AccessRemovalViewSet(LeadersViewSet):
    menu_label = "Remove access"
    icon = "warning"

    def routes(self):
        return [("remove-access/", remove_access_view, "workflows_remove_access")]
