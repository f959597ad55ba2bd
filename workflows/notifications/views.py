"""The carer's notification pages: /notifications/ (how often to hear about each class
and the whole-school story they follow) and the one-click unsubscribe link every e-mail
carries, which works without signing in: the signed token is the authority."""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from class_pages.http import private_response
from workflows.models.notifications import Frequency
from workflows.notifications.following import (
    carer_places,
    frequencies,
    may_hear_about,
    place_name,
    set_frequency,
)
from workflows.notifications.messages import read_unsubscribe_token

FIELD_PREFIX = "place-"


def field_name(place):
    return f"{FIELD_PREFIX}{place.pk}"


class PreferencesForm(forms.Form):
    """A select per place the carer follows; nothing else is accepted."""

    def __init__(self, user, grouped, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.grouped = grouped
        for _, places in grouped:
            for place in places:
                self.fields[field_name(place)] = forms.ChoiceField(
                    label=place.title,
                    choices=Frequency.choices,
                    initial=frequencies([user], place)[user.pk],
                    error_messages={"invalid_choice": "Please choose one of the options."},
                )

    def rows(self):
        return [
            (school, [(place, self[field_name(place)]) for place in places])
            for school, places in self.grouped
        ]

    def choices(self):
        for _, places in self.grouped:
            for place in places:
                yield place, self.cleaned_data[field_name(place)]


def _render_preferences(request, form, status=200, refused=False):
    context = {"rows": form.rows(), "refused": refused}
    return private_response(
        render(request, "workflows/notifications/preferences.html", context, status=status)
    )


def preferences(request):
    if request.method not in ("GET", "HEAD", "POST"):
        return private_response(HttpResponseNotAllowed(["GET", "HEAD", "POST"]))
    if not request.user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    user = request.user
    grouped = carer_places(user)
    if request.method != "POST":
        return _render_preferences(request, PreferencesForm(user, grouped))

    form = PreferencesForm(user, grouped, request.POST)
    # A choice for a place the carer does not follow (forged, or access ended since the
    # page was loaded) refuses the whole form: nothing is saved, nothing is revealed.
    unexpected = {key for key in request.POST if key.startswith(FIELD_PREFIX)} - set(form.fields)
    if unexpected:
        return _render_preferences(request, PreferencesForm(user, grouped), 400, refused=True)
    if not form.is_valid():
        return _render_preferences(request, form, 400)
    for place, frequency in form.choices():
        if may_hear_about(user, place):
            set_frequency(user, place, frequency)
    messages.success(request, "Your e-mail choices are saved.")
    return private_response(redirect(reverse("notifications")))


@csrf_exempt  # Mail clients POST here without a session (RFC 8058); the token is the check.
def unsubscribe(request, token):
    """GET: say what the link will stop, with a button. POST (that button, or a mail
    client's one-click request): stop e-mails about the token's places for its carer."""
    if request.method not in ("GET", "HEAD", "POST"):
        return private_response(HttpResponseNotAllowed(["GET", "HEAD", "POST"]))
    found = read_unsubscribe_token(token)
    if found is None:
        return private_response(
            render(request, "workflows/notifications/unsubscribe_invalid.html", status=404)
        )
    carer, places = found
    if request.method == "POST":
        for place in places:
            set_frequency(carer, place, Frequency.NONE)
    context = {
        # Titles only of places the carer still sees: a stale link names nothing.
        "names": [place_name(place) for place in places if may_hear_about(carer, place)],
        "done": request.method == "POST",
    }
    return private_response(render(request, "workflows/notifications/unsubscribe.html", context))
