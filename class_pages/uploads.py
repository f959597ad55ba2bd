"""Image uploads judged by content, not by name: only JPEG, PNG, GIF and WebP that
decode completely within the size and pixel limits are accepted, and every accepted
image is re-encoded with its orientation applied and all metadata (EXIF, GPS, XMP, IPTC,
comments) dropped. A refused file never reaches storage."""

import io
import os
import struct
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps

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


# Recordings are recognised by their first bytes, never by their name.
RECORDING_SIGNATURES = (
    # (test on the first 16 bytes, kind, extension, content type)
    (
        lambda head: head[4:8] == b"ftyp" and head[8:11] in (b"M4A", b"M4B"),
        "audio",
        "m4a",
        "audio/mp4",
    ),
    (lambda head: head[4:8] == b"ftyp" and head[8:10] == b"qt", "video", "mov", "video/quicktime"),
    (lambda head: head[4:8] == b"ftyp", "video", "mp4", "video/mp4"),
    (lambda head: head[:4] == b"\x1a\x45\xdf\xa3", "video", "webm", "video/webm"),
    (
        lambda head: head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0),
        "audio",
        "mp3",
        "audio/mpeg",
    ),
    (lambda head: head[:4] == b"OggS", "audio", "ogg", "audio/ogg"),
    (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE", "audio", "wav", "audio/wav"),
)


def clean_recording_upload(upload):
    """Return (kind, upload renamed by its real type), or raise ValidationError."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = next(
        (entry[1:] for entry in RECORDING_SIGNATURES if len(head) >= 12 and entry[0](head)), None
    )
    if found is None:
        refuse(
            "This is not a video or audio file we can play. Upload MP4, MOV or WebM video, "
            "or MP3, M4A, OGG or WAV audio.",
            "invalid_recording",
        )
    kind, extension, content_type = found
    limit = getattr(settings, f"CLASSPAGES_MAX_{kind.upper()}_BYTES")
    if upload.size > limit:
        refuse(
            f"This {kind} file is {upload.size / 1e6:.0f} MB; the limit is {limit / 1e6:.0f} MB.",
            "file_too_large",
        )
    stem = os.path.splitext(os.path.basename(upload.name or kind))[0][:60]
    upload.name = f"{stem}.{extension}"
    upload.content_type = content_type
    return kind, upload
