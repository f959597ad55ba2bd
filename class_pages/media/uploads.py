"""Uploads judged by content, not by name. Images: only JPEG, PNG, GIF and WebP that
decode completely within the size and pixel limits are accepted, and every accepted
image is re-encoded with its orientation applied and all metadata (EXIF, GPS, XMP, IPTC,
comments) dropped. Video and audio: recognised by their first bytes and the streams inside,
limited in size by kind, and remuxed without any metadata (class_pages.media.recordings).
A refused file never reaches storage."""

import io
import os
import struct
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps

from class_pages.media import recordings

ACCEPTED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
DAMAGED = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    ZeroDivisionError,
    IndexError,
    TypeError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def refuse(message, code):
    raise ValidationError(message, code=code)


def clean_image_upload(upload):
    """Return a metadata-free copy of an uploaded image, or raise ValidationError."""
    max_bytes = settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    if upload.size > max_bytes:
        refuse(
            f"This file is {upload.size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB.",
            "file_too_large",
        )
    upload.seek(0)
    data = upload.read()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        picture = _open(data)
        _check_pixels(picture)
        try:
            picture.load()
        except DAMAGED:
            refuse(
                "This image is damaged or incomplete. Save it again on your device and "
                "upload the new copy.",
                "damaged_image",
            )
        frames = _frames(picture)
    extension, content_type = ACCEPTED_FORMATS[picture.format]
    name = f"{os.path.splitext(os.path.basename(upload.name or 'photo'))[0][:60]}.{extension}"
    return SimpleUploadedFile(name, _encode(picture.format, frames, picture.info), content_type)


def _open(data):
    try:
        picture = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        refuse(
            "This image claims to be far larger than any photo; it was refused.", "too_many_pixels"
        )
    except (Image.UnidentifiedImageError, *DAMAGED):
        refuse(
            "This is not a photo we can accept. Upload a JPEG, PNG, GIF or WebP image.",
            "invalid_image",
        )
    return picture


def _check_pixels(picture):
    width, height = picture.size
    if width < 1 or height < 1:
        refuse("This image has no pixels.", "empty_image")
    limit = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
    frames = getattr(picture, "n_frames", 1)
    if width * height * frames > limit:
        refuse(
            f"This image is too large ({width}×{height} pixels); the limit is "
            f"{limit // 1_000_000} million pixels.",
            "too_many_pixels",
        )


def _frames(picture):
    """The decoded frames, upright, as new images that carry no metadata."""
    frames = []
    for index in range(getattr(picture, "n_frames", 1)):
        try:
            picture.seek(index)
            frame = ImageOps.exif_transpose(picture) if index == 0 else picture.copy()
        except DAMAGED:
            refuse(
                "This image is damaged or incomplete. Save it again on your device and "
                "upload the new copy.",
                "damaged_image",
            )
        # Pixels only: a new image from the raw bytes carries no metadata at all.
        clean = Image.frombytes(frame.mode, frame.size, frame.tobytes())
        if frame.mode == "P" and frame.getpalette():
            clean.putpalette(frame.getpalette())
        frames.append(clean)
    return frames


def _encode(image_format, frames, info):
    buffer = io.BytesIO()
    first = frames[0]
    if image_format == "JPEG":
        first.convert("RGB").save(buffer, "JPEG", quality=90, optimize=True)
    elif image_format == "GIF":
        first.save(
            buffer,
            "GIF",
            save_all=len(frames) > 1,
            append_images=frames[1:],
            duration=info.get("duration", 100),
            loop=info.get("loop", 0),
        )
    elif image_format == "WEBP":
        first.save(buffer, "WEBP", quality=90)
    else:
        first.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def clean_recording_upload(upload):
    """Return (kind, a metadata-free copy of the recording), or raise ValidationError.
    The container is read from the first bytes and the kind from the streams inside
    (class_pages.media.recordings); size limits are by kind."""
    found = recordings.sniff(upload)
    if found is None:
        refuse(
            "This is not a video or audio file we can play. Upload MP4, MOV or WebM video, "
            "or MP3, M4A, OGG or WAV audio.",
            "invalid_recording",
        )
    key, kind = found
    _check_recording_size(upload, kind)  # before any work, by what the first bytes say
    kind, container, clean = recordings.remux(upload, key)
    try:
        _check_recording_size(upload, kind)  # e.g. sound alone in an MP4: the audio limit
    except ValidationError:
        clean.close()
        raise
    stem = os.path.splitext(os.path.basename(upload.name or kind))[0][:60]
    clean.name = f"{stem}.{container.extension}"
    return kind, clean


def _check_recording_size(upload, kind):
    limit = getattr(settings, f"CLASSPAGES_MAX_{kind.upper()}_BYTES")
    if upload.size > limit:
        refuse(
            f"This {kind} file is {upload.size / 1e6:.0f} MB; the limit is {limit / 1e6:.0f} MB.",
            "file_too_large",
        )
