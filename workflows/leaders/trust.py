"""The trust's view of all its schools (one installation is one trust): aggregate
oversight figures per school, and nothing about carers, pupils or posts' content.
Members of the "Trust oversight" group (and superusers) see it: its gate is
gate.TRUST_VIEWERS."""

from dataclasses import dataclass

from django.template.response import TemplateResponse

from class_pages.http import private_response
from class_pages.models import SchoolPage
from workflows.leaders.gate import TRUST_VIEWERS
from workflows.leaders.menu import LeadersViewSet
from workflows.leaders.oversight.figures import class_figures


@dataclass
class SchoolTotals:
    school: SchoolPage
    classes: int = 0
    posts_7: int = 0
    posts_30: int = 0
    reminder_classes: int = 0
    waiting: int = 0
    overdue_reviews: int = 0
    rejections: int = 0


def school_totals(user, schools):
    totals = {school.pk: SchoolTotals(school) for school in schools}
    for figures in class_figures(user, schools=schools):
        entry = totals.get(getattr(figures.school, "pk", None))
        if entry is None:
            continue
        entry.classes += 1
        entry.posts_7 += figures.total_7
        entry.posts_30 += figures.total_30
        entry.reminder_classes += figures.reminder_this_week
        entry.waiting += figures.waiting
        entry.overdue_reviews += figures.review_overdue
        entry.rejections += sum(figures.rejections.values())
    return list(totals.values())


def trust_overview(request):
    schools = list(SchoolPage.objects.order_by("title"))
    context = {"totals": school_totals(request.user, schools)}
    return private_response(TemplateResponse(request, "workflows/trust.html", context))


class TrustViewSet(LeadersViewSet):
    menu_label = "Trust overview"
    icon = "site"
    gate = TRUST_VIEWERS

    def routes(self):
        return [("trust/", trust_overview, "workflows_trust")]
