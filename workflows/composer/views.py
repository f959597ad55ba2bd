"""The composer's admin views: the page itself (which also takes the whole post as one
multipart POST, for phones without JavaScript), one file's upload, taking back an unused
upload, and what the teacher sees after submitting."""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.models import WorkflowState

from class_pages.media.storage import DISK_FULL_MESSAGE, StorageFullError
from class_pages.models import Enrolment, Medium, StoryPostPage, consent_map
from workflows.checks import blocking
from workflows.composer import moderation
from workflows.composer.access import postable_class, postable_classes
from workflows.composer.compose import DATED_KINDS, ComposerForm, Composition
from workflows.composer.findings import placed
from workflows.composer.uploads import UploadRefused, describe, remove_unused, store_upload

UPLOADED = "Your files are uploaded. Tap the pupils in each one, then check or submit."


def compose(request):
    classes = postable_classes(request.user)
    if not classes:
        raise PermissionDenied
    if request.method != "POST":
        form = ComposerForm(request.user, initial=_initial(request, classes))
        return _render(request, form, classes)
    data = request.POST.copy()
    refused, uploaded = _store_files(request, data)
    composition = Composition(request.user, data)
    valid = composition.is_valid()
    context = {"refused": refused}
    if uploaded or refused or not valid:
        if uploaded:
            context["notice"] = UPLOADED
        return _render(request, composition.form, classes, composition, **context)
    if not composition.save_tags():
        return _render(request, composition.form, classes, composition)
    post = composition.post()
    if data.get("action") == "submit":
        return _submit(request, composition, post, classes)
    findings = moderation.check(post, composition.form.guard)
    context["checked"] = True
    context["findings"] = placed(composition, findings)
    return _render(request, composition.form, classes, composition, **context)


def _submit(request, composition, post, classes):
    guard = composition.form.guard
    try:
        state = moderation.submit(post, guard, request.user)
    except ValueError as error:
        return _render(request, composition.form, classes, composition, errors=[str(error)])
    for hook in hooks.get_hooks("after_create_page"):  # as Wagtail's create view does
        response = hook(request, post)
        if hasattr(response, "status_code"):
            return response
    if state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        found = blocking(moderation.findings_of(state))
        return TemplateResponse(
            request,
            "workflows/composer/sent_back.html",
            {"post": post, "guard": guard, "findings": placed(composition, found)},
        )
    return redirect("composer:submitted", post.pk)


def submitted(request, page_id):
    post = get_object_or_404(StoryPostPage, pk=page_id, owner=request.user)
    if not post.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return TemplateResponse(request, "workflows/composer/submitted.html", {"post": post})


def _initial(request, classes):
    chosen = postable_class(request.user, request.GET.get("class"))
    return {"class_page": (chosen or classes[0]).pk}


def _store_files(request, data):
    """Files sent with the form itself (no JavaScript): stored in the chosen class's
    library and added to the post's items, each with a plain first description."""
    files = request.FILES.getlist("files")
    if not files:
        return [], []
    guard = postable_class(request.user, data.get("class_page"))
    if guard is None:
        return [f"{upload.name}: choose the class first." for upload in files], []
    refused, uploaded = [], []
    for upload in files:
        try:
            item = store_upload(request.user, guard, upload)
        except UploadRefused as refusal:
            refused.append(f"{upload.name}: {refusal.message}")
            continue
        key = f"{describe_kind(item)}:{item.pk}"
        data.appendlist("items", key)
        data[f"alt-{key}"] = default_alt(guard, describe_kind(item))
        uploaded.append(key)
    return refused, uploaded


def describe_kind(item):
    return getattr(item, "kind", "photo")


def default_alt(guard, kind):
    what = {"photo": "A photo", "video": "A video", "audio": "A recording"}[kind]
    return f"{what} from {guard.title}"


@require_POST
def upload(request):
    guard = postable_class(request.user, request.POST.get("class_page"))
    if guard is None:
        return JsonResponse({"error": "Choose one of your classes first."}, status=403)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        return JsonResponse({"error": "No file arrived. Choose it again."}, status=400)
    try:
        item = store_upload(request.user, guard, upload_file)
    except UploadRefused as refusal:
        return JsonResponse({"error": refusal.message}, status=400)
    try:
        described = describe(item)
    except StorageFullError:
        item.delete()
        return JsonResponse({"error": DISK_FULL_MESSAGE}, status=507)
    described["alt_text"] = default_alt(guard, described["kind"])
    return JsonResponse(described)


@require_POST
def remove(request):
    guard = postable_class(request.user, request.POST.get("class_page"))
    kind, _, item_id = (request.POST.get("item") or "").partition(":")
    if guard is None or kind not in ("photo", "video", "audio"):
        return JsonResponse({"removed": False}, status=404)
    removed = remove_unused(request.user, guard, kind, item_id)
    return JsonResponse({"removed": removed}, status=200 if removed else 404)


def _render(request, form, classes, composition=None, **context):
    pupils = _pupils_by_class(classes)
    items = composition.items if composition else []
    findings = context.get("findings") or {}
    guard = _chosen(form, classes)
    return TemplateResponse(
        request,
        "workflows/composer/compose.html",
        {
            "form": form,
            "classes": classes,
            "chosen_class": guard,
            "items": [
                _card(item.key, item.kind, pupils[guard.pk], item, findings.get(item.key, []))
                for item in items
            ],
            "blank_cards": [
                {"class_id": page.pk, "card": _card("__KEY__", kind, pupils[page.pk])}
                for page in classes
                for kind in MEDIA
            ],
            "title_findings": findings.get("title", []),
            "body_findings": findings.get("body", []),
            "post_findings": findings.get("", []),
            "dated_kinds": sorted(DATED_KINDS),
            "errors": (composition.errors if composition else []) + context.pop("errors", []),
            "upload_url": reverse("composer:upload"),
            "remove_url": reverse("composer:remove"),
            **context,
        },
    )


def _chosen(form, classes):
    value = form.data.get("class_page") if form.is_bound else form.initial.get("class_page")
    return next((page for page in classes if str(page.pk) == str(value)), classes[0])


def _card(key, kind, class_pupils, item=None, findings=()):
    """What card.html shows of one item (`item` None: the blank copy for composer.js)."""
    checked = set(item.pupil_ids) if item else set()
    return {
        "key": key,
        "kind": kind,
        "item": describe(item.obj) if item else {},
        "alt_text": item.alt_text if item else "",
        "nobody": item.nobody if item else False,
        "errors": item.errors if item else [],
        "findings": findings,
        "pupils": [
            {
                "pk": pupil.pk,
                "name": pupil.display_name,
                "allowed": labels[kind][0],
                "label": labels[kind][1],
                "checked": str(pupil.pk) in checked,
            }
            for pupil, labels in class_pupils
        ],
    }


MEDIA = {"photo": Medium.PHOTO, "video": Medium.VIDEO, "audio": Medium.AUDIO}


def _pupils_by_class(classes):
    """{class id: [(pupil, {kind: (may appear, label)})]}: each current pupil of each
    class with what their carers agreed to, by the one consent rule."""
    enrolments = (
        Enrolment.objects.current()
        .filter(class_page__in=[page.pk for page in classes])
        .select_related("pupil")
        .order_by("pupil__first_name", "pupil__last_name")
    )
    consents = consent_map(
        list({enrolment.pupil_id for enrolment in enrolments}),
        [Medium.PARTICIPATION, *MEDIA.values()],
    )
    by_class = {page.pk: [] for page in classes}
    for enrolment in enrolments:
        pupil = enrolment.pupil
        taking_part = consents[(pupil.pk, Medium.PARTICIPATION)]
        labels = {}
        for kind, medium in MEDIA.items():
            allowed = taking_part and consents[(pupil.pk, medium)]
            if not taking_part:
                label = "not taking part"
            else:
                label = f"{medium} ✓" if allowed else f"no {medium} consent"
            labels[kind] = (allowed, label)
        by_class[enrolment.class_page_id].append((pupil, labels))
    return by_class
