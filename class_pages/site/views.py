"""Carer-facing views outside the page tree: "My classes" and the authorising file view
through which every stored file (image original, rendition, video, audio) is fetched.
The file view is HTTP only (the name, byte ranges, the response); who may fetch a file
is decided by class_pages.access.files."""

import logging
import posixpath
import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from class_pages.access import can_view_school_story, visible_classes
from class_pages.access.files import file_allowed
from class_pages.http import private_response
from class_pages.models import SchoolPage, SchoolStoryIndexPage

# What our storage ever writes: folder/random-hex.ext. Anything else (NUL bytes,
# traversal, odd characters) is not a file of ours.
STORED_NAME = re.compile(r"[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-.]+)+")
# Refusals of a signed-in user (who and from where: cms.accounts.security_log adds them).
security_log = logging.getLogger("class_pages.security")


@require_safe
def my_classes(request):
    if not request.user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    classes = visible_classes(request.user).live().order_by("title")
    schools = {}
    for class_page in classes:
        school = SchoolPage.for_page(class_page)
        schools.setdefault(school, []).append(class_page)
    listed = [
        (school, school_classes, _school_story(request.user, school))
        for school, school_classes in schools.items()
    ]
    return private_response(render(request, "class_pages/my_classes.html", {"schools": listed}))


def _school_story(user, school):
    """The school's whole-school story, if it is live and the user may see it."""
    story = SchoolStoryIndexPage.objects.child_of(school).live().first() if school else None
    return story if story and can_view_school_story(user, school) else None


@require_safe
def serve_file(request, name):
    """Answer /files/<name> only to someone who may see that file. Anyone else signed in
    gets 404 (never a hint that the file exists); anonymous visitors are sent to sign in.
    Byte ranges are honoured so phones can play video and audio."""
    if not request.user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    name = posixpath.normpath(name)
    if not STORED_NAME.fullmatch(name) or ".." in name:
        raise Http404
    if not file_allowed(request.user, name):
        security_log.info("file_access_denied", extra={"request": request})
        raise Http404
    return private_response(_file_response(name, request.headers.get("Range")))


CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "wav": "audio/wav",
}
RANGE = re.compile(r"bytes=(\d*)-(\d*)")
CHUNK = 64 * 1024


def _file_response(name, range_header=None):
    extension = name.rsplit(".", 1)[-1].lower()
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    if settings.MEDIA_ACCEL_REDIRECT:
        # nginx serves the bytes (and ranges) from its internal location.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + name
    else:
        try:
            handle = default_storage.open(name, "rb")
            size = default_storage.size(name)
        except FileNotFoundError as missing:
            raise Http404 from missing
        response = _ranged(handle, size, content_type, range_header)
    response["Content-Disposition"] = f'inline; filename="{posixpath.basename(name)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Accept-Ranges"] = "bytes"
    return response


def _ranged(handle, size, content_type, range_header):
    """The whole file, or the single byte range asked for (206), or 416."""
    match = RANGE.fullmatch((range_header or "").strip())
    if not match or match.groups() == ("", ""):
        return FileResponse(handle, content_type=content_type)
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        handle.close()
        response = HttpResponse(status=416, content_type=content_type)
        response["Content-Range"] = f"bytes */{size}"
        return response
    response = StreamingHttpResponse(
        _read_range(handle, start, end - start + 1), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    return response


def _read_range(handle, start, length):
    with handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
