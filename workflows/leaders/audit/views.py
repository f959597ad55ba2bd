"""The leaders' audit log tool: the rows of the schools the user leads (every school for
a superuser), filtered by category, dates and words, a page at a time or as a CSV."""

from django import forms
from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from class_pages.http import private_response
from workflows.leaders.audit.rows import CATEGORIES, audit_rows
from workflows.leaders.export import csv_download
from workflows.leaders.gate import led_schools
from workflows.leaders.menu import LeadersViewSet


class AuditFilter(forms.Form):
    category = forms.ChoiceField(choices=[("", "Everything"), *CATEGORIES.items()], required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, max_length=100, label="Contains")


def _filtered_rows(request):
    schools = led_schools(request.user)
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


def audit_csv(request):
    _, rows = _filtered_rows(request)
    return csv_download(
        request,
        what="audit_log_csv",
        filename="audit-log.csv",
        header=["when", "school", "category", "who", "about", "what"],
        rows=(
            (
                row.at.isoformat(),
                row.school,
                CATEGORIES[row.category],
                row.actor,
                row.subject,
                row.detail,
            )
            for row in rows
        ),
    )


class AuditViewSet(LeadersViewSet):
    menu_label = "Audit log"
    icon = "history"

    def routes(self):
        return [
            ("audit/", audit_log, "workflows_audit"),
            ("audit.csv", audit_csv, "workflows_audit_csv"),
        ]
