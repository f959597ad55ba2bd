"""Carer-facing views outside the page tree: "My classes" and the authorising file view
through which every stored image (original or rendition) is fetched."""

import mimetypes
import posixpath
import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry

from .access import can_view_image_as_carer, visible_classes
from .models import ClassRendition, SchoolPage

# What our storage ever writes: folder/random-hex.ext. Anything else (NUL bytes,
# traversal, odd characters) is not a file of ours.
STORED_NAME = re.compile(r"[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-.]+)+")


def private_response(response):
    """Mark a response that depends on who asked: never stored by any cache."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def my_classes(request):
    if not request.user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    classes = visible_classes(request.user).live().order_by("title")
    schools = {}
    for class_page in classes:
        school = SchoolPage.for_page(class_page)
        schools.setdefault(school, []).append(class_page)
    return private_response(
        render(request, "class_pages/my_classes.html", {"schools": schools.items()})
    )


def _is_staff_for_image(user, image):
    policy = policy_registry.get_by_type(get_image_model())
    return policy.user_has_any_permission_for_instance(user, ["change", "choose"], image)


@require_safe
def serve_file(request, name):
    """Answer /files/<name> only to someone who may see that file.

    Originals: staff with a collection permission on the image. Renditions: those staff,
    and carers who may see a live post that uses the image. Anyone else signed in gets
    404 (never a hint that the file exists); anonymous visitors are sent to sign in."""
    if not request.user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    name = posixpath.normpath(name)
    if not STORED_NAME.fullmatch(name) or ".." in name:
        raise Http404
    rendition = ClassRendition.objects.select_related("image").filter(file=name).first()
    image = rendition.image if rendition else get_image_model().objects.filter(file=name).first()
    if image is None:
        raise Http404
    allowed = _is_staff_for_image(request.user, image) or (
        rendition is not None and can_view_image_as_carer(request.user, image)
    )
    if not allowed:
        raise Http404
    return private_response(_file_response(name))


def _file_response(name):
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    filename = posixpath.basename(name)
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + name
    else:
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
