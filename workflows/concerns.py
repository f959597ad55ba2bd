"""Carers' concern reports about posts: who may report (a carer who may see the live
post), filing a report (one open report per carer per post; the school's leaders are
e-mailed a link, never who reported or what they wrote), the carer's own pages (report
form, confirmation, "My reports": status only), and the leaders' decision: dismiss with a
note, or take the post down (back to draft). A report is never a conversation: there is
no reply, and the teacher is told nothing about it."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.log_actions import log
from wagtail.models import Page

from class_pages.access import can_view_page, guarding_page
from class_pages.http import private_response
from class_pages.models import CarerLink, SchoolPage, StoryPostPage
from workflows.mail import send_concern_reported
from workflows.models import ConcernReport

# Page ids are 32-bit integers; anything larger is no post (and must not reach the
# database, which would overflow rather than answer "no such row").
MAX_PAGE_ID = 2**31 - 1


# --- who may report what ---------------------------------------------------------------


def is_carer_at(user, school):
    """An active link to a current pupil of the school (staff who are not carers are not)."""
    return (
        CarerLink.objects.active()
        .filter(carer=user, pupil__school=school, pupil__left_on__isnull=True)
        .exists()
    )


def can_see_place_of(user, post):
    """The user may see the class page (or whole-school story) the post belongs to."""
    guard = guarding_page(post)
    return guard is not None and guard.live and can_view_page(user, guard)


def reportable_post(user, post_id):
    """The live post a carer may report, or None: it must be live with every page above
    it, in a place the user may see, and the user a carer at its school."""
    if not (user.is_authenticated and user.is_active) or not 0 < post_id <= MAX_PAGE_ID:
        return None
    post = StoryPostPage.objects.live().filter(pk=post_id).first()
    if post is None:
        return None
    if Page.objects.ancestor_of(post).filter(depth__gte=2, live=False).exists():
        return None
    school = SchoolPage.for_page(post)
    if school is None or not can_see_place_of(user, post) or not is_carer_at(user, school):
        return None
    return post


# --- the service -------------------------------------------------------------------------


def open_report(carer, post):
    return (
        ConcernReport.objects.filter(reporter=carer, post=post, status=ConcernReport.Status.OPEN)
        .order_by("-created_at", "-pk")
        .first()
    )


def file_report(carer, post, reason, details=""):
    """Record the carer's report and e-mail the school's leaders. Returns (report,
    created): a carer who already has an open report about the post gets that one back
    and nobody is e-mailed again."""
    with transaction.atomic():
        # One writer per carer at a time, so a double submission cannot make two reports.
        get_user_model().objects.select_for_update().filter(pk=carer.pk).first()
        existing = open_report(carer, post)
        if existing is not None:
            return existing, False
        report = ConcernReport.objects.create(
            post=post, reporter=carer, reason=reason, details=details
        )
    send_concern_reported(report)
    return report, True


class ReportAlreadyHandled(Exception):
    """Another leader decided first."""


class Decision:
    DISMISS = "dismiss"
    UNPUBLISH = "unpublish"
    CHOICES = [
        (DISMISS, "Dismiss: no action is needed"),
        (UNPUBLISH, "Take the post down: it goes back to draft for the teacher"),
    ]


@transaction.atomic
def decide(report, leader, decision, note=""):
    """A leader's decision on an open report. Taking the post down also closes every
    other open report about it (each of those carers then sees "taken down"). Who may
    decide is checked by the caller (the leaders' admin is scoped to their schools);
    leaders hold no publish permission, so the unpublish skips Wagtail's check."""
    report = ConcernReport.objects.select_for_update().select_related("post").get(pk=report.pk)
    if report.status != ConcernReport.Status.OPEN:
        raise ReportAlreadyHandled
    now = timezone.now()
    if decision == Decision.UNPUBLISH:
        post = report.post
        if post.live:
            UnpublishPageAction(post, user=leader).execute(skip_permission_checks=True)
            log(
                instance=post,
                action="workflows.concern_unpublished",
                user=leader,
                data={"report_id": report.pk},
            )
        status = ConcernReport.Status.UNPUBLISHED
        others = ConcernReport.objects.filter(post=post, status=ConcernReport.Status.OPEN)
        others.exclude(pk=report.pk).update(status=status, handled_by=leader, handled_at=now)
    elif decision == Decision.DISMISS:
        status = ConcernReport.Status.DISMISSED
    else:
        raise ValueError(f"unknown decision {decision!r}")
    report.status, report.handled_by, report.handled_at = status, leader, now
    report.leader_note = note
    report.save(update_fields=["status", "handled_by", "handled_at", "leader_note"])
    return report


# --- the carer's pages -------------------------------------------------------------------


class ConcernForm(forms.Form):
    reason = forms.ChoiceField(
        label="What worries you about this post?",
        choices=ConcernReport.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose a reason.",
            "invalid_choice": "Please choose one of the reasons below.",
        },
    )
    details = forms.CharField(
        label="Anything the leaders should know (optional)",
        required=False,
        max_length=ConcernReport._meta.get_field("details").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "Please keep it under %(limit_value)d characters."},
    )


def _sign_in(request):
    return private_response(redirect_to_login(request.get_full_path()))


def _status_page(request, post, report, just_sent=False):
    school = SchoolPage.for_page(post)
    context = {
        "post": post,
        "report": report,
        "just_sent": just_sent,
        "contact_page": school.contact_page(),
    }
    return private_response(render(request, "workflows/concerns/report_status.html", context))


def report_concern(request, post_id):
    """/posts/<id>/report/: the form, or the status of the carer's open report."""
    if request.method not in ("GET", "HEAD", "POST"):
        return private_response(HttpResponseNotAllowed(["GET", "HEAD", "POST"]))
    if not request.user.is_authenticated:
        return _sign_in(request)
    post = reportable_post(request.user, post_id)
    if post is None:
        raise Http404
    existing = open_report(request.user, post)
    if existing is not None:
        return _status_page(request, post, existing)

    if request.method == "POST":
        form = ConcernForm(request.POST)
        if form.is_valid():
            file_report(
                request.user, post, form.cleaned_data["reason"], form.cleaned_data["details"]
            )
            return private_response(redirect(reverse("concern_sent", args=[post.pk])))
    else:
        form = ConcernForm()
    context = {
        "post": post,
        "form": form,
        "contact_page": SchoolPage.for_page(post).contact_page(),
    }
    return private_response(render(request, "workflows/concerns/report_form.html", context))


def report_sent(request, post_id):
    """The confirmation after sending: the carer's latest report about the post."""
    if request.method not in ("GET", "HEAD"):
        return private_response(HttpResponseNotAllowed(["GET", "HEAD"]))
    if not request.user.is_authenticated:
        return _sign_in(request)
    if not 0 < post_id <= MAX_PAGE_ID:
        raise Http404
    report = (
        ConcernReport.objects.filter(reporter=request.user, post_id=post_id)
        .select_related("post")
        .order_by("-created_at", "-pk")
        .first()
    )
    if report is None or not can_see_place_of(request.user, report.post):
        raise Http404
    return _status_page(request, report.post, report, just_sent=True)


def my_reports(request):
    """The carer's reports with their status, nothing more (no notes, no replies). A
    post in a class the carer can no longer see is not named."""
    if request.method not in ("GET", "HEAD"):
        return private_response(HttpResponseNotAllowed(["GET", "HEAD"]))
    if not request.user.is_authenticated:
        return _sign_in(request)
    reports = ConcernReport.objects.filter(reporter=request.user).select_related("post")
    rows = []
    for report in reports:
        visible = can_see_place_of(request.user, report.post)
        rows.append(
            {
                "report": report,
                "title": report.post.title if visible else None,
                "url": report.post.get_url(request) if visible and report.post.live else None,
            }
        )
    return private_response(render(request, "workflows/concerns/my_reports.html", {"rows": rows}))
