"""The leaders' signed-in sessions tool: who of their school's people (carers of its
pupils, its staff) is signed in where, with "end session", "end all for this person",
and resetting a member of staff's two-factor app (lost phone).

A leader of another school gets 404 for those sessions and people. Each ending is logged
to "class_pages.security" by SignedInSession.end() (user ids only, never a session key)."""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST, require_safe
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from class_pages.access.roles import staff_of
from class_pages.http import private_response
from class_pages.models import SignedInSession
from workflows.leaders.access_removal import carers_of_school
from workflows.leaders.gate import led_schools
from workflows.leaders.menu import LeadersViewSet

security_log = logging.getLogger("class_pages.security")


def _led_schools(request):
    return list(led_schools(request.user))


def staff_of_schools(schools):
    """The active staff of any of the schools (a plain query, so it combines with others
    by | and &)."""
    users = get_user_model().objects.none()
    for school in schools:
        users = users | get_user_model().objects.filter(pk__in=staff_of(school).values("pk"))
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


class SessionsViewSet(LeadersViewSet):
    menu_label = "Signed-in sessions"
    icon = "user"

    def routes(self):
        return [
            ("signed-in/", signed_in_sessions, "workflows_signed_in"),
            ("signed-in/<id:session_id>/end/", end_one, "workflows_signed_in_end"),
            ("signed-in/person/<id:user_id>/end-all/", end_all, "workflows_signed_in_end_all"),
            (
                "signed-in/person/<id:user_id>/reset-two-factor/",
                reset_two_factor,
                "workflows_reset_two_factor",
            ),
        ]
