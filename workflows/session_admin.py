"""Leaders' admin view of signed-in sessions: who of their school's people (carers of its
pupils, its staff groups) is signed in where, with "end session", "end all for this
person", and resetting a member of staff's two-factor app (lost phone).

A leader of another school gets 404 for those sessions and people. Each ending is logged
to "class_pages.security" by SignedInSession.end() (user ids only, never a session key)."""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST, require_safe
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from class_pages.http import private_response
from class_pages.models import SignedInSession
from workflows.access_removal import carers_of_school, teachers_groups_of_school
from workflows.dashboard import is_leader, led_schools

security_log = logging.getLogger("class_pages.security")


def _led_schools(request):
    if not is_leader(request.user):
        raise PermissionDenied
    return list(led_schools(request.user))


def staff_of_schools(schools):
    users = get_user_model().objects.none()
    for school in schools:
        groups = Q(groups__in=teachers_groups_of_school(school)) | Q(
            groups__in=[pk for pk in (school.leaders_group_id, school.office_group_id) if pk]
        )
        users = users | get_user_model().objects.filter(groups)
    return users


def people_of_schools(schools):
    """Carers of the schools' pupils and members of their staff groups."""
    users = staff_of_schools(schools)
    for school in schools:
        users = users | get_user_model().objects.filter(pk__in=carers_of_school(school))
    return users.distinct()


def _person(request, user_id, staff_only=False):
    schools = _led_schools(request)
    people = staff_of_schools(schools) if staff_only else people_of_schools(schools)
    person = people.filter(pk=user_id).first()
    if person is None:
        raise Http404("Nobody of your school has that id.")
    return person


@require_safe
def signed_in_sessions(request):
    schools = _led_schools(request)
    people = people_of_schools(schools)
    sessions = SignedInSession.objects.filter(user__in=people.values("pk")).live_sessions()
    # One block per person in the table (the template regroups consecutive rows).
    sessions.sort(key=lambda row: (row.user.get_username(), -row.last_seen_at.timestamp()))
    resettable = get_user_model().objects.filter(
        pk__in=TOTPDevice.objects.filter(confirmed=True).values("user"),
    ) & staff_of_schools(schools)
    context = {"sessions": sessions, "resettable": resettable.distinct().order_by("username")}
    return private_response(TemplateResponse(request, "workflows/sessions/signed_in.html", context))


@require_POST
def end_one(request, session_id):
    schools = _led_schools(request)
    row = (
        SignedInSession.objects.filter(pk=session_id, user__in=people_of_schools(schools))
        .select_related("user")
        .first()
    )
    if row is None:
        raise Http404("No such session of your school's people.")
    row.end("ended by a leader", by=request.user)
    messages.success(request, f"Ended a session of {row.user.get_username()}.")
    return private_response(redirect("workflows_signed_in"))


@require_POST
def end_all(request, user_id):
    person = _person(request, user_id)
    ended = SignedInSession.objects.filter(user=person).end_all(
        "all ended by a leader", by=request.user
    )
    messages.success(request, f"Ended {ended} session(s) of {person.get_username()}.")
    return private_response(redirect("workflows_signed_in"))


@require_POST
def reset_two_factor(request, user_id):
    """Lost phone: remove the staff member's app and backup codes and sign them out
    everywhere, so they set up a new app after signing in with their password."""
    person = _person(request, user_id, staff_only=True)
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    SignedInSession.objects.filter(user=person).end_all("two-factor reset", by=request.user)
    security_log.warning(
        "two-factor sign-in of user %s reset by user %s", person.pk, request.user.pk
    )
    messages.success(
        request,
        f"Two-factor sign-in of {person.get_username()} is reset; they set it up again "
        "at their next sign-in.",
    )
    return private_response(redirect("workflows_signed_in"))
