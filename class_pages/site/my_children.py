"""Carers' "My children" pages: the pupils linked to the signed-in carer (active links
only) with their class and current consents, and the form on which a carer gives or
withdraws each consent. Only changes are saved, as new online ConsentRecords (the
history is append-only); a withdrawal takes posts down at once through the
`consent_withdrawn` signal, which moderation handles.

A carer asking for a pupil who is not actively linked to them gets a 404 that looks like
any other, and the attempt is logged (ids only, never names)."""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from class_pages.http import private_response
from class_pages.models import CarerLink, ConsentRecord, Enrolment, Medium, consent_map
from class_pages.models.consent import own_answers

security_log = logging.getLogger("class_pages.security")

MEDIA = (Medium.PARTICIPATION, Medium.PHOTO, Medium.VIDEO, Medium.AUDIO)

QUESTIONS = {
    Medium.PARTICIPATION: "May your child take part in the class pages at all?",
    Medium.PHOTO: "May photographs that show your child be posted?",
    Medium.VIDEO: "May videos that show your child be posted?",
    Medium.AUDIO: "May audio recordings of your child be posted?",
}
YES_NO = [("yes", "Yes"), ("no", "No")]
CHOICE_REQUIRED = "Please choose Yes or No."


class ConsentChoicesForm(forms.Form):
    """One required yes/no choice per medium; anything else is a form error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for medium in MEDIA:
            self.fields[medium.value] = forms.ChoiceField(
                label=QUESTIONS[medium],
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": CHOICE_REQUIRED, "invalid_choice": CHOICE_REQUIRED},
            )

    def choices(self):
        """{medium: True/False} from valid data."""
        return {medium: self.cleaned_data[medium.value] == "yes" for medium in MEDIA}


def _sign_in(request):
    return private_response(redirect_to_login(request.get_full_path()))


def _linked_pupils(user):
    links = (
        CarerLink.objects.active()
        .filter(carer=user)
        .select_related("pupil")
        .order_by("pupil__first_name", "pupil__last_name", "pupil__pk")
    )
    return [link.pupil for link in links]


def _linked_pupil_or_404(request, pupil_id):
    link = (
        CarerLink.objects.active()
        .filter(carer=request.user, pupil_id=pupil_id)
        .select_related("pupil")
        .first()
    )
    if link is None:
        security_log.warning(
            "consent page refused: user %s is not linked to pupil %s (%s)",
            request.user.pk,
            pupil_id,
            request.method,
        )
        raise Http404
    return link.pupil


def my_children(request):
    if request.method not in ("GET", "HEAD"):
        return private_response(HttpResponseNotAllowed(["GET", "HEAD"]))
    if not request.user.is_authenticated:
        return _sign_in(request)
    pupils = _linked_pupils(request.user)
    consents = consent_map([pupil.pk for pupil in pupils], MEDIA)
    classes = {}
    enrolments = Enrolment.objects.current().filter(pupil__in=pupils, class_page__live=True)
    for enrolment in enrolments.select_related("class_page"):
        classes.setdefault(enrolment.pupil_id, []).append(enrolment.class_page)
    children = []
    for pupil in pupils:
        own = own_answers(pupil.pk, request.user, MEDIA)
        rows = [
            # (label, may appear now, this adult said yes but someone else's no stands)
            (
                medium.label,
                consents[(pupil.pk, medium)],
                own[medium] and not consents[(pupil.pk, medium)],
            )
            for medium in MEDIA
        ]
        children.append({"pupil": pupil, "classes": classes.get(pupil.pk, []), "consents": rows})
    return private_response(render(request, "class_pages/my_children.html", {"children": children}))


def edit_consent(request, pupil_id):
    if request.method not in ("GET", "HEAD", "POST"):
        return private_response(HttpResponseNotAllowed(["GET", "HEAD", "POST"]))
    if not request.user.is_authenticated:
        return _sign_in(request)
    pupil = _linked_pupil_or_404(request, pupil_id)

    if request.method == "POST":
        form = ConsentChoicesForm(request.POST)
        if form.is_valid():
            changed, refused_elsewhere = _record_changes(pupil, form.choices(), request.user)
            _tell(request, pupil, changed, refused_elsewhere)
            return private_response(redirect(reverse("my_children")))
        messages.error(request, "Nothing was saved: please answer every question below.")
    else:
        current = _answers_of(pupil, request.user)
        form = ConsentChoicesForm(
            initial={medium.value: "yes" if current[medium] else "no" for medium in MEDIA}
        )
    return private_response(
        render(request, "class_pages/consent_form.html", {"pupil": pupil, "form": form})
    )


def _current(pupil):
    """{medium: True/False}: whether the pupil may appear in each medium now."""
    consents = consent_map([pupil.pk], MEDIA)
    return {medium: consents[(pupil.pk, medium)] for medium in MEDIA}


def _answers_of(pupil, user):
    """This adult's own current answers; where they never answered, the state in force."""
    own, current = own_answers(pupil.pk, user, MEDIA), _current(pupil)
    return {medium: current[medium] if own[medium] is None else own[medium] for medium in MEDIA}


@transaction.atomic
def _record_changes(pupil, wanted, user):
    """A new record for each medium where the answer differs from this adult's own
    answer when saving (not when the form was shown), so a repeated submission records
    nothing. Returns ({medium: given} recorded, [media still refused by someone else])."""
    current = _answers_of(pupil, user)
    changed = {medium: given for medium, given in wanted.items() if given != current[medium]}
    for medium, given in changed.items():
        ConsentRecord.objects.create(
            pupil=pupil,
            medium=medium,
            given=given,
            method=ConsentRecord.Method.ONLINE,
            recorded_by=user,
        )
    now = _current(pupil)
    return changed, [medium for medium, given in wanted.items() if given and not now[medium]]


def _tell(request, pupil, changed, refused_elsewhere=()):
    if refused_elsewhere:
        labels = ", ".join(medium.label.lower() for medium in refused_elsewhere)
        messages.warning(
            request,
            f"Your answer is saved, but {pupil.first_name} still will not appear in: "
            f"{labels}. Another adult with parental responsibility, or the school, has said "
            "no, and that answer stands until they or the school office change it.",
        )
    if not changed:
        messages.info(
            request, f"Nothing changed: these were already your choices for {pupil.first_name}."
        )
        return
    withdrawn = [medium.label.lower() for medium in MEDIA if changed.get(medium) is False]
    given = [medium.label.lower() for medium in MEDIA if changed.get(medium) is True]
    if withdrawn:
        messages.success(
            request,
            f"Saved. You withdrew consent for {pupil.first_name}: {', '.join(withdrawn)}. "
            "Posts showing your child this way have been taken off the class pages now.",
        )
    if given:
        messages.success(
            request,
            f"Saved. You gave consent for {pupil.first_name}: {', '.join(given)}. "
            "This applies to new posts; posts taken down earlier stay down.",
        )
