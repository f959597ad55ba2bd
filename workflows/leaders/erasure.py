"""The leaders' erasure tool: on a valid request, find the pupil, confirm by typing their
full name, and class_pages.lifecycle.erasure does the rest. Leaders of the pupil's school
only."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from class_pages.http import private_response
from class_pages.lifecycle.erasure import erase_pupil
from class_pages.models import Pupil
from workflows.leaders.gate import led_schools
from workflows.leaders.menu import LeadersViewSet


class ConfirmErasure(forms.Form):
    full_name = forms.CharField(label="Type the pupil's full name to confirm", max_length=210)
    valid_request = forms.BooleanField(
        label="A valid erasure request was received and checked by the school."
    )

    def __init__(self, *args, pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupil = pupil

    def clean_full_name(self):
        typed = " ".join(self.cleaned_data["full_name"].split()).casefold()
        if typed != f"{self.pupil.first_name} {self.pupil.last_name}".casefold():
            raise forms.ValidationError("That is not the name of this pupil.")
        return typed


def choose_pupil(request):
    schools = led_schools(request.user)
    query = request.GET.get("q", "").strip()[:100]
    pupils = Pupil.objects.filter(school__in=schools)
    if query:
        pupils = pupils.filter(Q(first_name__icontains=query) | Q(last_name__icontains=query))
    context = {"pupils": pupils[:50], "query": query}
    return private_response(TemplateResponse(request, "workflows/erasure/choose.html", context))


def erase(request, pupil_id):
    schools = led_schools(request.user)
    pupil = Pupil.objects.filter(pk=pupil_id, school__in=schools).first()
    if pupil is None:
        raise Http404
    form = ConfirmErasure(request.POST or None, pupil=pupil)
    if request.method == "POST" and form.is_valid():
        record = erase_pupil(pupil, request.user)
        messages.success(
            request,
            f"Erased. {record.media_deleted} photo(s) or recording(s) deleted, "
            f"{record.tags_removed} tag(s) removed, {record.posts_unpublished} post(s) "
            "returned to draft for the teacher's review.",
        )
        return redirect("workflows_erase_pupil_choose")
    context = {"pupil": pupil, "form": form}
    return private_response(TemplateResponse(request, "workflows/erasure/confirm.html", context))


class ErasureViewSet(LeadersViewSet):
    menu_label = "Erase a pupil"
    icon = "warning"

    def routes(self):
        return [
            ("erase-pupil/", choose_pupil, "workflows_erase_pupil_choose"),
            ("erase-pupil/<id:pupil_id>/", erase, "workflows_erase_pupil"),
        ]
