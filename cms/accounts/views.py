"""Site-wide account views on the public site: sign in, sign out, asking for a password
reset, the page shown while sign-in is locked out, and accepting the class pages
agreement."""

import math

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from wagtail.models import Site

from class_pages.agreements import accept, pending_agreements
from class_pages.http import private_response
from class_pages.models import SchoolPage
from cms.accounts.password_reset import QueuedPasswordResetForm
from cms.accounts.sign_in import lockout_ends_at


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label="Username or e-mail",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username or e-mail and password do not match an active account.",
    }


class SignInView(auth_views.LoginView):
    template_name = "cms/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer, at the same speed, whether or not the address has an account:
    the e-mail is sent by a background task
    (cms.accounts.password_reset.send_password_reset_task)."""

    template_name = "cms/password_reset.html"
    form_class = QueuedPasswordResetForm


def _contact_page(request):
    site = Site.find_for_request(request)
    school = SchoolPage.objects.filter(pk=site.root_page_id).first() if site else None
    return school.contact_page() if school else None


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page for a locked-out sign-in (public site, Wagtail admin
    or invitation link). It depends only on the address's attempts, never on whether the
    account exists, and names no account."""
    retry_at = lockout_ends_at(request, credentials)
    seconds = max(int((retry_at - timezone.now()).total_seconds()), 1)
    context = {
        "retry_at": retry_at,
        "retry_minutes": math.ceil(seconds / 60),
        "contact_page": _contact_page(request),
    }
    response = render(request, "cms/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return private_response(response)


class AgreementForm(forms.Form):
    accept = forms.BooleanField(
        label="I have read the agreement and I will follow it.",
        error_messages={"required": "Please tick the box to accept the agreement."},
    )


def _safe_next(request, default="/my-classes/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def agreement(request):
    """Show the agreements the user still has to accept, and record the acceptance."""
    if not request.user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    pending = pending_agreements(request.user)
    if not pending:
        return private_response(redirect(_safe_next(request)))
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept(request.user, pending)
        messages.success(request, "Thank you. The agreement is recorded.")
        return private_response(redirect(_safe_next(request)))
    context = {"agreements": pending, "form": form, "next": _safe_next(request)}
    return private_response(render(request, "cms/agreement.html", context))
