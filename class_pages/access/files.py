"""File decisions: who may fetch a stored file (image original, rendition, video, audio)
through the authorising file view (/files/<name>, class_pages.site.views), which keeps
only the HTTP.

A stored name says its kind by its folder. Originals: staff with a collection permission
on the image. Renditions and recordings: those staff, and carers who may see a live post
that shows them and may use them (for photos, only the renditions carers are shown).
Anything else: nobody. A "yes" is remembered (class_pages.access.remembered).
"""

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry

from class_pages.access import remembered
from class_pages.access.pages import can_view_page, guarding_page
from class_pages.media.photos import carer_specs, school_of_image
from class_pages.media.post_media import may_use
from class_pages.models.media import ClassRendition, LiveImageUse, LiveMediaUse
from class_pages.models.pages import SchoolPage


def file_allowed(user, name):
    """May this signed-in user fetch the stored file `name`? Remembered when yes."""
    return remembered.file_allowed(user, name, school_path_of, decide_file)


def decide_file(user, name):
    """The decision itself, from the database, by the kind of file the name says."""
    folder = name.split("/", 1)[0]
    if folder == "images":
        rendition = ClassRendition.objects.select_related("image").filter(file=name).first()
        return rendition is not None and (
            _is_staff_for(user, rendition.image, get_image_model())
            or (
                rendition.filter_spec in carer_specs(school_of_stored(rendition.image))
                and can_view_image_as_carer(user, rendition.image)
            )
        )
    if folder == "original_images":
        image = get_image_model().objects.filter(file=name).first()
        return image is not None and _is_staff_for(user, image, get_image_model())
    if folder == "media":
        media = get_document_model().objects.filter(file=name).first()
        return media is not None and (
            _is_staff_for(user, media, get_document_model()) or can_view_media_as_carer(user, media)
        )
    return False


def stored_object(name):
    """The image, rendition's image or recording a stored name belongs to, or None."""
    folder = name.split("/", 1)[0]
    if folder == "images":
        rendition = ClassRendition.objects.select_related("image").filter(file=name).first()
        return rendition.image if rendition else None
    if folder == "original_images":
        return get_image_model().objects.filter(file=name).first()
    if folder == "media":
        return get_document_model().objects.filter(file=name).first()
    return None


def school_of_stored(obj):
    """The school whose collection holds an image or recording, or None."""
    collection = school_of_image(obj)
    return SchoolPage.objects.filter(collection=collection).first() if collection else None


def school_path_of(name):
    """The path of the school a stored file belongs to (what its decision depends on)."""
    stored = stored_object(name)
    school = school_of_stored(stored) if stored is not None else None
    return school.path if school else None


def _is_staff_for(user, obj, model):
    policy = policy_registry.get_by_type(model)
    return policy.user_has_any_permission_for_instance(user, ["change", "choose"], obj)


def can_view_image_as_carer(user, image):
    """A carer may fetch an image only if a live post on a page they may see shows it,
    and that post may use it (its class's own media: class_pages.media.post_media)."""
    return _shown_to(user, LiveImageUse.objects.filter(image=image), image)


def can_view_media_as_carer(user, media):
    """The same rule for a video or audio recording."""
    return _shown_to(user, LiveMediaUse.objects.filter(media=media), media)


def _shown_to(user, uses, medium):
    for use in uses.filter(post__live=True).select_related("post"):
        guard = guarding_page(use.post)
        if (
            guard is not None
            and guard.live
            and may_use(guard, medium)
            and can_view_page(user, guard)
        ):
            return True
    return False
