"""One file sent from the composer: stored through the same forms (and so the same
cleaning) as the admin's image and media uploads, in the chosen class's collection, or
refused with the form's own message. A file that fails part way leaves nothing behind.
Also: taking back a file the teacher uploaded but did not use."""

import os

from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.documents.forms import get_document_form
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form

from class_pages.media import recordings
from class_pages.media.cleanup import media_used_elsewhere
from class_pages.media.post_media import home_collection
from class_pages.models import StoryPostPage
from workflows.checks.consent import image_face_count

THUMBNAIL = "fill-240x240"


class UploadRefused(Exception):
    """The file was not stored; `message` says why in plain words."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def store_upload(user, guard, upload):
    """Store one uploaded file for a post under `guard` (a class page the user may post
    to). Returns the new ClassImage or ClassMedia; raises UploadRefused."""
    collection = home_collection(guard)
    if collection is None:
        raise UploadRefused("This class has no media library yet. Ask a leader.")
    is_recording = recordings.sniff(upload) is not None  # by content, as the forms judge
    model = get_document_model() if is_recording else get_image_model()
    form_class = (get_document_form if is_recording else get_image_form)(model)
    title = os.path.splitext(os.path.basename(upload.name or ""))[0][:100] or "Photo"
    form = form_class(
        data={"title": title, "collection": str(collection.pk)},
        files={"file": upload},
        user=user,
        instance=model(),
    )
    if not form.is_valid():
        _forget_stored(form)
        raise UploadRefused(_first_error(form))
    try:
        with transaction.atomic():
            item = form.save(commit=False)
            item.uploaded_by_user = user
            if is_recording:
                item._set_document_file_metadata()
            item.save()
            form.save_m2m()
    except Exception:
        _forget_stored(form)
        raise
    return item


def _forget_stored(form):
    """A file the form already wrote (it stores during validation) goes when the item
    is not made."""
    stored = getattr(form.instance, "file", None)
    if stored and stored.name and stored._committed and form.instance.pk is None:
        stored.storage.delete(stored.name)


def _first_error(form):
    if "collection" in form.errors:
        return "You may not add photos or recordings to this class's library."
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return "This file could not be stored."


def describe(item):
    """What the composer's page needs to show an uploaded item."""
    if isinstance(item, get_image_model()):
        return {
            "id": item.pk,
            "kind": "photo",
            "title": item.title,
            "thumbnail": item.get_rendition(THUMBNAIL).url,
            "faces": image_face_count(item),
        }
    return {"id": item.pk, "kind": item.kind, "title": item.title, "thumbnail": "", "faces": None}


def remove_unused(user, guard, kind, item_id):
    """Delete an item the user uploaded to the guard's library if no post uses it.
    Returns True if it was deleted."""
    model = get_image_model() if kind == "photo" else get_document_model()
    collection = home_collection(guard)
    item = model.objects.filter(
        pk=item_id if str(item_id).isdigit() else None,
        uploaded_by_user=user,
        collection=collection,
    ).first()
    if item is None or _in_use(item):
        return False
    item.delete()
    return True


def _in_use(item):
    """Any post of any school, in any version, or anything in Wagtail's reference index
    that uses it (the question a deleted post's media are asked: an unsaved post stands
    for "no post is excepted")."""
    is_image = isinstance(item, get_image_model())
    images, recordings = ({item.pk}, set()) if is_image else (set(), {item.pk})
    used_images, used_recordings = media_used_elsewhere(StoryPostPage(), images, recordings)
    return bool(used_images or used_recordings)
