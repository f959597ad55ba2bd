"""Leaders' admin views: the school's audit log (filter, CSV export) and removing access
for a breach of the agreement. Leaders of a school see only their school."""

import csv
import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from class_pages.http import private_response
from class_pages.models import CarerLink, SchoolPage
from workflows.access_removal import (
    AccessRemoval,
    carers_of_school,
    remove_access,
    teachers_groups_of_school,
)
from workflows.audit import CATEGORIES, audit_rows
from workflows.dashboard import is_leader, led_schools

security_log = logging.getLogger("class_pages.security")

CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _require_leader(request):
    if not is_leader(request.user):
        raise PermissionDenied
    return led_schools(request.user)


class AuditFilter(forms.Form):
    category = forms.ChoiceField(choices=[("", "Everything"), *CATEGORIES.items()], required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, max_length=100, label="Contains")


def _filtered_rows(request):
    schools = _require_leader(request)
    form = AuditFilter(request.GET or None)
    criteria = form.cleaned_data if form.is_valid() else {}
    category = criteria.get("category")
    rows = audit_rows(
        schools,
        categories={category} if category else None,
        since=criteria.get("since"),
        until=criteria.get("until"),
        text=criteria.get("q") or "",
    )
    return form, rows


def audit_log(request):
    form, rows = _filtered_rows(request)
    page = Paginator(rows, 50).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "categories": CATEGORIES}
    return private_response(TemplateResponse(request, "workflows/audit/log.html", context))


def safe_cell(value):
    """A spreadsheet must never run what a cell says (CSV formula injection)."""
    text = str(value)
    return f"'{text}" if text.startswith(CSV_FORMULA_START) else text


def audit_csv(request):
    _, rows = _filtered_rows(request)
    security_log.info("export audit_log_csv", extra={"request": request})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    writer = csv.writer(response)
    writer.writerow(["when", "school", "category", "who", "about", "what"])
    for row in rows:
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    row.at.isoformat(),
                    row.school,
                    CATEGORIES[row.category],
                    row.actor,
                    row.subject,
                    row.detail,
                )
            ]
        )
    return private_response(response)


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
            users = users.filter(groups__in=teachers_groups_of_school(school))
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
    schools = _require_leader(request)
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
