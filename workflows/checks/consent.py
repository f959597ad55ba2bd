"""The consent check: every pupil in every medium of a post may appear in it, and media
with nobody tagged carry the uploader's "no pupil is identifiable" statement (which the
face detector questions)."""

from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from class_pages.media.faces import remember_face_count
from class_pages.media.post_media import FOREIGN_MEDIA_MESSAGE, allowed_media_ids
from class_pages.models import ClassPage, Enrolment, Medium, SchoolPage, consent_map
from workflows.checks import Finding

LABELS = {"photo": "Photo", "video": "Video", "audio": "Recording"}
MEDIUM_OF = {"photo": Medium.PHOTO, "video": Medium.VIDEO, "audio": Medium.AUDIO}
NO_CONSENT = {
    "photo": "must not appear in photos",
    "video": "must not appear in videos",
    "audio": "must not be heard in recordings",
}


def check_consent(post, guard, detect_faces=True):
    """`post`: the StoryPostPage version under review; `guard`: its ClassPage (or the
    SchoolStoryIndexPage for whole-school posts). Returns a list of Findings."""
    if not hasattr(post, "photo_entries"):
        return []  # a page without media (e.g. a class page's own settings)
    items, findings = _media_items(post, guard)
    pupils = {pupil.pk: pupil for _, item in items for pupil in item.pupils.all()}
    consents = consent_map(pupils, list(Medium.values))
    allowed_pupils = _pupils_allowed_in(guard, pupils)
    for kind, item in items:
        findings += _item_findings(kind, item, consents, allowed_pupils)
        if kind == "photo" and detect_faces:
            findings += _face_findings(item, list(item.pupils.all()), f"“{item.title}”")
    return findings


def _media_items(post, guard):
    """[(kind, image-or-recording)] of the post that it may use, and findings for those
    that are gone or that it may not use (another class's or school's: named by nothing,
    not even a title)."""
    image_ids, media_ids = post.image_ids(), post.media_ids()
    usable_images, usable_media = allowed_media_ids(guard, image_ids, media_ids)
    images = get_image_model().objects.filter(pk__in=usable_images).prefetch_related("pupils")
    recordings = get_document_model().objects.filter(pk__in=usable_media).prefetch_related("pupils")
    images, recordings = images.in_bulk(), recordings.in_bulk()
    other_images, other_media = image_ids - images.keys(), media_ids - recordings.keys()
    existing = get_image_model().objects.filter(pk__in=other_images).exists()
    existing = existing or get_document_model().objects.filter(pk__in=other_media).exists()
    findings = []
    if existing:
        findings.append(Finding("foreign-media", FOREIGN_MEDIA_MESSAGE))
    else:
        findings += [
            Finding(
                "missing-media",
                "A photo or recording in this post no longer exists. Remove it or choose it again.",
                what,
            )
            for what in [f"image #{pk}" for pk in sorted(other_images)]
            + [f"recording #{pk}" for pk in sorted(other_media)]
        ]
    items = [("photo", image) for image in images.values()]
    items += [(recording.kind, recording) for recording in recordings.values()]
    return items, findings


def _item_findings(kind, item, consents, allowed_pupils):
    tagged = list(item.pupils.all())
    name = f"{LABELS[kind]} “{item.title}”"
    where = f"{kind}:{item.pk}"
    findings = []
    if not tagged and not item.no_identifiable_pupil:
        findings.append(
            Finding(
                "untagged-media",
                f"{name}: tag every pupil who appears in it, or state that no pupil is "
                "identifiable.",
                item.title,
                where=where,
            )
        )
    for pupil in tagged:
        who = pupil.display_name
        if pupil.pk not in allowed_pupils:
            findings.append(
                Finding(
                    "pupil-not-in-class",
                    f"{name}: {who} is not a current pupil of this class.",
                    who,
                    where=where,
                )
            )
        if not consents[(pupil.pk, Medium.PARTICIPATION)]:
            findings.append(
                Finding(
                    "no-participation-consent",
                    f"{name}: {who}'s carers have not agreed to the class pages.",
                    who,
                    where=where,
                )
            )
        if not consents[(pupil.pk, MEDIUM_OF[kind])]:
            findings.append(
                Finding(
                    f"no-{MEDIUM_OF[kind]}-consent",
                    f"{name}: {who} {NO_CONSENT[kind]} (no consent, or it was withdrawn or "
                    "has expired).",
                    who,
                    where=where,
                )
            )
    return findings


def _pupils_allowed_in(guard, pupils):
    if isinstance(guard, ClassPage):
        return set(
            Enrolment.objects.current()
            .filter(class_page=guard, pupil__in=list(pupils))
            .values_list("pupil_id", flat=True)
        )
    school = SchoolPage.for_page(guard)
    return {
        pk
        for pk, pupil in pupils.items()
        if pupil.school_id == getattr(school, "pk", None) and pupil.left_on is None
    }


def _face_findings(image, tagged, name):
    faces = image_face_count(image)
    if faces is None:
        return [
            Finding(
                "face-check-failed",
                f"Photo {name}: the face check could not read "
                "this image; a leader should look carefully.",
                image.title,
                blocking=False,
                where=f"photo:{image.pk}",
            )
        ]
    if faces and not tagged and not image.no_identifiable_pupil:
        return [
            Finding(
                "faces-untagged",
                f"Photo {name}: {faces} face(s) detected and nobody is tagged.",
                image.title,
                where=f"photo:{image.pk}",
            )
        ]
    if faces and not tagged:
        return [
            Finding(
                "faces-despite-statement",
                f"Photo {name}: {faces} face(s) detected although it is marked as showing no "
                "identifiable pupil. Please check.",
                image.title,
                blocking=False,
                where=f"photo:{image.pk}",
            )
        ]
    if faces > len(tagged):
        return [
            Finding(
                "more-faces-than-tags",
                f"Photo {name}: {faces} faces detected but {len(tagged)} pupil(s) tagged. "
                "Check that everyone in it is tagged.",
                image.title,
                blocking=False,
                where=f"photo:{image.pk}",
            )
        ]
    return []


def image_face_count(image):
    """Faces in an image: counted when it was saved, or now if that did not happen."""
    if image.detected_faces is None:
        return remember_face_count(image)
    return image.detected_faces
