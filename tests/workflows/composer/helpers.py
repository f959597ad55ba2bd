"""Shared by the composer's tests: its URLs, a photo file, an upload, and the form as
the composer page posts it."""

from django.core.files.uploadedfile import SimpleUploadedFile

from class_pages.factories import generated_image_file

COMPOSE = "/admin/write/"
UPLOAD = "/admin/write/upload/"
REMOVE = "/admin/write/remove/"


def photo_file(name="trip.png"):
    return SimpleUploadedFile(name, generated_image_file(name).read(), "image/png")


def upload(client, class_page, file=None):
    class_id = getattr(class_page, "pk", class_page)
    return client.post(UPLOAD, {"class_page": class_id, "file": file or photo_file()})


def composed(class_page, items=(), action="check", **fields):
    """The composer form: `items` are (key, alt text, pupils, nobody) tuples."""
    data = {
        "class_page": getattr(class_page, "pk", class_page),
        "kind": "learning",
        "title": "Our seed trip",
        "body": "We planted seeds and watched them sprout.",
        "event_date": "",
        "action": action,
        "items": [key for key, *_ in items],
    }
    for key, alt_text, pupils, nobody in items:
        data[f"alt-{key}"] = alt_text
        data[f"pupils-{key}"] = [getattr(pupil, "pk", pupil) for pupil in pupils]
        if nobody:
            data[f"nobody-{key}"] = "on"
    data.update(fields)
    return data
