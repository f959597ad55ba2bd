"""The office's "Import from MIS" screen in the register's admin menu: upload a CSV for
one of the schools whose register the user keeps (class_pages.access.register_schools),
see the preview, press "Apply". The file is kept server-side between the two
(`pending`), and Apply carries out exactly the previewed plan: if the register changed
in between, it says so and shows the new preview instead."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from class_pages.access import register_schools
from class_pages.http import private_response
from class_pages.register.importing import pending
from class_pages.register.importing.apply import RegisterChanged, apply_import
from class_pages.register.importing.parsing import (
    COLUMN_LABELS,
    MAX_BYTES,
    ImportRefused,
    read_register,
)
from class_pages.register.importing.plan import build_plan

TEMPLATES = "class_pages/register/import/"


class UploadForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, empty_label=None)
    file = forms.FileField(label="Register file (CSV)")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = register_schools(user).order_by("title")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is too big ({upload.size // 1024} KB): a register export is at "
                f"most {MAX_BYTES // 1024} KB."
            )
        return upload


def kept_schools(request):
    schools = register_schools(request.user)
    if not schools.exists():
        raise PermissionDenied
    return schools


def render(request, template, context):
    context.setdefault("columns", COLUMN_LABELS.values())
    return private_response(TemplateResponse(request, TEMPLATES + template, context))


def preview(request, school, token, source):
    plan = build_plan(school, source)
    return render(request, "preview.html", {"plan": plan, "token": token, "school": school})


def upload_view(request):
    kept_schools(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read(MAX_BYTES + 1)
        school = form.cleaned_data["school"]
        try:
            source = read_register(data)
        except ImportRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            return preview(request, school, pending.keep(request, school, data), source)
    return render(request, "upload.html", {"form": form})


@require_POST
def apply_view(request):
    schools = kept_schools(request)
    token = request.POST.get("token", "")
    kept = pending.load(request, token)
    if kept is None:
        messages.error(request, "That upload is no longer kept: upload the file again.")
        return redirect("register_import:upload")
    school = schools.filter(pk=kept[0]).first()
    if school is None:
        raise Http404
    try:
        source = read_register(kept[1])
        plan = apply_import(school, source, expected_digest=request.POST.get("digest", ""))
    except ImportRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("register_import:upload")
    except RegisterChanged as changed:
        messages.warning(
            request,
            "The register has changed since your preview, so nothing was imported. This "
            "is what the file would do now: check it and apply again.",
        )
        return render(
            request, "preview.html", {"plan": changed.plan, "token": token, "school": school}
        )
    pending.discard(request, token)
    counts = plan.counts
    messages.success(
        request,
        f"{school.title}: {counts['create']} pupils added, {counts['move']} moved, "
        f"{counts['change']} changed, {counts['same']} already up to date"
        + (f"; {len(plan.problem_rows)} rows with problems left out." if plan.problems else "."),
    )
    return redirect("register_import:upload")


class RegisterImportMenuItem(MenuItem):
    def is_shown(self, request):
        return register_schools(request.user).exists()


class RegisterImportViewSet(ViewSet):
    """The import's two URLs and its item in the register's menu."""

    icon = "upload"
    menu_label = "Import from MIS"
    menu_item_class = RegisterImportMenuItem

    def get_urlpatterns(self):
        return [
            path("", upload_view, name="upload"),
            path("apply/", apply_view, name="apply"),
        ]
