"""The leaders' oversight report in the Wagtail admin (/admin/oversight/) with the
reviews recorded from it, as one leaders' tool, and its compact homepage panel. Leaders
of a school see that school's classes; superusers see every school; the leaders' gate
refuses anyone else."""

from collections import Counter

from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from class_pages.http import private_response
from workflows.leaders.gate import LEADERS
from workflows.leaders.menu import LeadersViewSet
from workflows.leaders.oversight import reviews
from workflows.leaders.oversight.chart import chart_for
from workflows.leaders.oversight.figures import class_figures


def by_school(figures):
    """[(school, [figures of its classes])] in the order given."""
    groups = []
    for item in figures:
        if not groups or groups[-1][0] != item.school:
            groups.append((item.school, []))
        groups[-1][1].append(item)
    return groups


class OversightReportView(WagtailAdminTemplateMixin, TemplateView):
    page_title = "Oversight"
    header_icon = "view"
    template_name = "workflows/dashboard/report.html"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = class_figures(self.request.user)
        # One scale for every chart, so classes compare at a glance.
        top = max((count for item in figures for count in item.weekly), default=0)
        for item in figures:
            item.chart = chart_for(item, top=top)
        context["schools"] = by_school(figures)
        context["figures"] = figures
        return context

    def render_to_response(self, context, **response_kwargs):
        return private_response(super().render_to_response(context, **response_kwargs))


class OversightViewSet(LeadersViewSet):
    menu_label = "Oversight"
    icon = "view"

    def routes(self):
        return [
            ("oversight/", OversightReportView.as_view(), "workflows_oversight"),
            (
                "oversight/classes/<id:class_pk>/review/",
                reviews.record_review,
                "workflows_oversight_review",
            ),
            ("oversight/reviews.csv", reviews.reviews_csv, "workflows_oversight_reviews_csv"),
        ]


class OversightPanel(Component):
    """Homepage summary for leaders: per school, how many classes are overdue for a
    review, lack this week's reminder, or have posts waiting; links to the report."""

    name = "oversight"
    template_name = "workflows/dashboard/panel.html"
    order = 206

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        rows = []
        for school, figures in by_school(class_figures(self.user)):
            counts = Counter()
            for item in figures:
                counts["classes"] += 1
                counts["overdue"] += item.review_overdue
                counts["no_reminder"] += not item.reminder_this_week
                counts["waiting"] += item.waiting
            rows.append({"school": school, **counts})
        context["rows"] = rows
        return context

    def render_html(self, parent_context=None):
        return super().render_html(parent_context) if LEADERS.admits(self.user) else ""
