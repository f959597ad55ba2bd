"""Uploads judged by content, not by name. Images: only JPEG, PNG, GIF, WebP, HEIC/HEIF
(iPhones, iPads; through pillow-heif, as Willow reads them) and AVIF that decode completely
within the size and pixel limits are accepted, and every accepted image is re-encoded with
its orientation applied, scaled down to at most STORED_MAX_SIDE pixels on its long edge and
all metadata (EXIF, GPS, XMP, IPTC, comments, HEIF thumbnails and depth maps) dropped.
HEIC and AVIF are stored as JPEG: every browser shows it, and renditions stay JPEG.
Video and audio: recognised by their first bytes and the streams inside, limited in size by
kind, and remuxed without any metadata (class_pages.media.recordings).
A refused file never reaches storage."""

import io
import os
import struct
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps
from pillow_heif import HeifImagePlugin  # noqa: F401  (registers HEIF with Pillow, as Willow does)

from class_pages.media import recordings

# Format read from the content -> the format it is stored in.
ACCEPTED_FORMATS = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "GIF": "GIF",
    "WEBP": "WEBP",
    "HEIF": "JPEG",
    "AVIF": "JPEG",
}
STORED_AS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
# Longest edge of a stored original: more than any carer's or teacher's screen needs, and
# storage does not grow with the camera's megapixels.
STORED_MAX_SIDE = 3000
DAMAGED = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    ZeroDivisionError,
    IndexError,
    TypeError,
    RuntimeError,  # libheif's refusals of a damaged HEIF
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
        stored_format = ACCEPTED_FORMATS[picture.format]
        try:
            if picture.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale where that still gives the stored size:
                # far faster for a 48-megapixel photo, and the same pixels in the end.
                picture.draft(picture.mode, _stored_size(picture.size))
            picture.load()
        except DAMAGED:
            refuse(DAMAGED_MESSAGE, "damaged_image")
        frames = _frames(picture, animated=stored_format == "GIF")
    extension, content_type = STORED_AS[stored_format]
    name = f"{os.path.splitext(os.path.basename(upload.name or 'photo'))[0][:60]}.{extension}"
    return SimpleUploadedFile(name, _encode(stored_format, frames, picture.info), content_type)


DAMAGED_MESSAGE = (
    "This image is damaged or incomplete. Save it again on your device and upload the new copy."
)


def _open(data):
    try:
        picture = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        refuse(
            "This image claims to be far larger than any photo; it was refused.", "too_many_pixels"
        )
    except (Image.UnidentifiedImageError, *DAMAGED):
        refuse(
            "This is not a photo we can accept. Upload a JPEG, PNG, GIF, WebP, HEIC or AVIF image.",
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


def _stored_size(size):
    """(width, height) within STORED_MAX_SIDE on the long edge, proportions kept."""
    width, height = size
    scale = STORED_MAX_SIDE / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _frames(picture, animated):
    """The decoded frames (only the first unless the stored file is animated), upright
    and within the stored size, as new images that carry no metadata."""
    frames = []
    for index in range(getattr(picture, "n_frames", 1) if animated else 1):
        try:
            picture.seek(index)
            frame = picture
            if frame.size != _stored_size(frame.size):
                # Scaled first, turned after (less to turn): a resized copy keeps the EXIF
                # orientation until it is applied. Bilinear, with Pillow's antialiasing, is
                # 2-3 times faster than Lanczos and as good at these ratios (a JPEG is at
                # most twice the stored size after draft mode).
                frame = frame.resize(_stored_size(frame.size), Image.Resampling.BILINEAR)
            frame = ImageOps.exif_transpose(frame) if index == 0 else frame.copy()
        except DAMAGED:
            refuse(DAMAGED_MESSAGE, "damaged_image")
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
        if first.mode in ("RGBA", "LA"):
            # A HEIC/AVIF with transparency: onto white, as a browser shows it.
            backdrop = Image.new("RGBA", first.size, "white")
            first = Image.alpha_composite(backdrop, first.convert("RGBA"))
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
