"""The subject access tool of the leaders' menu: a list of their schools' pupils (with
search) and of the carers linked to them, and the POST-only downloads of an export. The
leaders' gate (SubjectAccessViewSet) refuses anyone who leads no school; a pupil or
carer outside the schools the leader leads is a 404, as is an id that is no row."""

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from class_pages.http import private_response
from class_pages.models import CarerLink, Pupil
from workflows.leaders.gate import led_schools
from workflows.leaders.menu import LeadersViewSet
from workflows.leaders.subject_access.archive import write_archive
from workflows.leaders.subject_access.collect import carer_export, carer_schools, pupil_export
from workflows.leaders.subject_access.record import record_export

MAX_ID = 2**31 - 1  # larger ids are no row, and must not reach the database
PER_PAGE = 50


def _valid_id(value):
    if not 0 < value <= MAX_ID:
        raise Http404
    return value


def subject_access_index(request):
    schools = led_schools(request.user)
    query = (request.GET.get("q") or "").strip()[:100]
    pupils = Pupil.objects.filter(school__in=schools).select_related("school")
    for word in query.split():
        pupils = pupils.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    pupils = pupils.prefetch_related(
        Prefetch(
            "carer_links",
            queryset=CarerLink.objects.select_related("carer").order_by("carer__last_name", "pk"),
        )
    )
    page = Paginator(pupils, PER_PAGE).get_page(request.GET.get("p"))
    context = {
        "page": page,
        "query": query,
        "several_schools": schools.count() > 1,
    }
    return private_response(
        TemplateResponse(request, "workflows/subject_access/index.html", context)
    )


def _download(request, export):
    archive = write_archive(export)
    record_export(export, request.user, request)
    response = FileResponse(
        archive, as_attachment=True, filename=export.filename, content_type="application/zip"
    )
    return private_response(response)


@require_POST
def pupil_download(request, pupil_id):
    schools = led_schools(request.user)
    pupil = Pupil.objects.filter(pk=_valid_id(pupil_id), school__in=schools).first()
    if pupil is None:
        raise Http404
    return _download(request, pupil_export(pupil))


@require_POST
def carer_download(request, user_id):
    schools = led_schools(request.user)
    carer = get_user_model().objects.filter(pk=_valid_id(user_id)).first()
    if carer is None:
        raise Http404
    scope = list(carer_schools(carer, schools))
    if not scope:
        raise Http404
    return _download(request, carer_export(carer, scope))


class SubjectAccessViewSet(LeadersViewSet):
    """Every route passes the leaders' gate (LeadersViewSet wraps each view in it)."""

    menu_label = "Subject access"
    icon = "download"

    def routes(self):
        return [
            ("subject-access/", subject_access_index, "workflows_subject_access"),
            (
                "subject-access/pupil/<id:pupil_id>/",
                pupil_download,
                "workflows_subject_access_pupil",
            ),
            (
                "subject-access/carer/<id:user_id>/",
                carer_download,
                "workflows_subject_access_carer",
            ),
        ]
