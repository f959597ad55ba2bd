"""The invitation link a carer opens: create an account (or sign in to the one they
have, through /sign-in/), accept the school's agreement, answer the consent form; then
the class page.

A link that opens no invitation counts as a failed sign-in from that address (django-axes,
see cms.accounts.sign_in), so guessing links and guessing passwords share one lockout and
one log."""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from class_pages.http import private_response
from class_pages.models import Medium
from class_pages.register.invitations import (
    InvitationUnusable,
    Refusal,
    find_usable,
    redeem,
    refusal_for,
    school_agreements,
)
from cms.accounts.security_log import log_event
from cms.accounts.sign_in import (
    INVITATION_CREDENTIAL,
    invitation_attempt_allowed,
    record_invitation_failure,
)
from cms.accounts.views import locked_out

YES_NO = [("yes", "Yes"), ("no", "No")]
ACCOUNT_EXISTS = (
    "An account already uses this e-mail address. Sign in to it instead, and the child "
    "will be added to that account."
)


class NewAccountForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(disabled=True, help_text="The address the invitation was sent to.")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email", "")
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(ACCOUNT_EXISTS)
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The two passwords are not the same.")
        elif cleaned.get("password"):
            try:
                validate_password(cleaned["password"])
            except ValidationError as problems:
                self.add_error("password", problems)
        return cleaned


class ConsentForm(forms.Form):
    accept = forms.BooleanField(
        label="I have read the class pages agreement and I will follow it.",
        error_messages={"required": "Please accept the agreement to continue."},
    )
    participation = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="May your child take part in the class pages?",
    )
    photo = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, label="May your child appear in photographs?"
    )
    video = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, label="May your child appear in video?"
    )
    audio = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="May your child be heard in audio recordings?",
    )

    def consents(self):
        return {
            Medium(field): self.cleaned_data[field] == "yes"
            for field in ("participation", "photo", "video", "audio")
        }


def _unusable(request):
    return private_response(render(request, "cms/invitation_unusable.html", status=404))


def masked_address(email):
    """ "p•••@example.org": enough for the invited adult to recognise, no more."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _refused(request, found, refusal):
    """The signed-in account may not use this invitation: say so, link nothing."""
    log_event(f"invitation_refused_{refusal.code}", request, level=logging.WARNING)
    first, _, rest = found.adult_name.strip().partition(" ")
    context = {
        "code": refusal.code,
        "invited_name": f"{first} {rest[:1]}.".strip(" ."),
        "invited_address": masked_address(found.email),
    }
    return private_response(render(request, "cms/invitation_refused.html", context, status=403))


@never_cache
def invitation(request, token):
    # Checked before the token is looked up: while locked out, a right guess and a wrong
    # one get the same answer.
    if not invitation_attempt_allowed(request):
        log_event("invitation_refused_locked_out", request, level=logging.WARNING)
        return locked_out(request, credentials={"username": INVITATION_CREDENTIAL})
    found = find_usable(token)
    if found is None:
        # Logged by cms.accounts.security_log; the lockout page replaces this answer once the
        # failure reaches the limit (axes middleware).
        record_invitation_failure(request)
        return _unusable(request)
    if not request.user.is_authenticated:
        return _new_account(request, found)
    refusal = refusal_for(found, request.user)
    if refusal is not None:
        return _refused(request, found, refusal)
    return _consent(request, found)


def _new_account(request, found):
    form = NewAccountForm(request.POST or None, initial={"email": found.email})
    if request.method == "POST" and form.is_valid():
        try:
            # Two browsers sending this form at once: one account, the other is told.
            with transaction.atomic():
                user = get_user_model().objects.create_user(
                    username=found.email.casefold(),
                    email=found.email,
                    password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
        except IntegrityError:
            form.add_error(None, ACCOUNT_EXISTS)
        else:
            login(request, user, backend="cms.accounts.sign_in.UsernameOrEmailBackend")
            return private_response(redirect(request.path))
    context = {"invitation": found, "form": form, "next": request.path}
    return private_response(render(request, "cms/invitation_account.html", context))


def _consent(request, found):
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        consents = form.consents()
        if not consents[Medium.PARTICIPATION]:
            form.add_error(
                "participation",
                "Without taking part you will not see the class pages. You can open this "
                "link again until it expires if you change your mind.",
            )
        else:
            try:
                redeem(found, request.user, consents)
            except InvitationUnusable:
                return _unusable(request)
            except Refusal as refusal:
                return _refused(request, found, refusal)
            messages.success(request, f"Welcome. You can now see {found.pupil.first_name}'s class.")
            return private_response(redirect("my_classes"))
    context = {"invitation": found, "form": form, "agreements": school_agreements(found)}
    return private_response(render(request, "cms/invitation_consent.html", context))
