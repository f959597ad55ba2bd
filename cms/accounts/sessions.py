"""The account's signed-in devices on the public site (/account/sessions/): where this
account is signed in, and ending one session or every other one. Only one's own sessions;
an id of someone else's is a 404 and ends nothing."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from class_pages.http import private_response
from class_pages.models import SignedInSession


def _signed_in_or_redirect(request):
    if not request.user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    return None


@require_safe
def my_sessions(request):
    if (answer := _signed_in_or_redirect(request)) is not None:
        return answer
    current = request.session.session_key
    sessions = SignedInSession.objects.filter(user=request.user).live_sessions()
    context = {"sessions": sessions, "current_key": current}
    return private_response(render(request, "cms/account_sessions.html", context))


@require_POST
def end_session(request, session_id):
    if (answer := _signed_in_or_redirect(request)) is not None:
        return answer
    row = SignedInSession.objects.filter(pk=session_id, user=request.user).first()
    if row is None:
        raise Http404("No such session of yours.")
    if row.session_key == request.session.session_key:
        logout(request)  # ending the session in use is signing out
        return private_response(redirect("sign_in"))
    row.end("ended by its owner", by=request.user)
    messages.success(request, f"Signed out of {row.device}.")
    return private_response(redirect("my_sessions"))


@require_POST
def end_other_sessions(request):
    if (answer := _signed_in_or_redirect(request)) is not None:
        return answer
    others = SignedInSession.objects.filter(user=request.user).exclude(
        session_key=request.session.session_key
    )
    ended = others.end_all("signed out everywhere else", by=request.user)
    messages.success(
        request, f"Signed out everywhere else ({ended} other session{'s' if ended != 1 else ''})."
    )
    return private_response(redirect("my_sessions"))
