"""The consent check: every pupil in every medium of a post may appear in it, and media
with nobody tagged carry the uploader's "no pupil is identifiable" statement (which the
face detector questions)."""

from wagtail.images import get_image_model

from class_pages.faces import remember_face_count
from class_pages.models import ClassPage, Enrolment, Medium, consent_map

from . import Finding


def check_consent(post, guard, detect_faces=True):
    """`post`: the StoryPostPage version under review; `guard`: its ClassPage (or the
    SchoolStoryIndexPage for whole-school posts). Returns a list of Findings."""
    if not hasattr(post, "photo_entries"):
        return []  # a page without media (e.g. a class page's own settings)
    entries = post.photo_entries()
    image_ids = {image_id for image_id, _, _ in entries}
    images = get_image_model().objects.filter(pk__in=image_ids).prefetch_related("pupils")
    images = {image.pk: image for image in images}
    findings = [
        Finding(
            "missing-media",
            "A photo in this post no longer exists. Remove it or choose it again.",
            f"image #{image_id}",
        )
        for image_id in sorted(image_ids - images.keys())
    ]
    pupils = {pupil.pk: pupil for image in images.values() for pupil in image.pupils.all()}
    consents = consent_map(pupils, (Medium.PARTICIPATION, Medium.PHOTO))
    allowed_pupils = _pupils_allowed_in(guard, pupils)
    for image in images.values():
        tagged = list(image.pupils.all())
        name = f"“{image.title}”"
        if not tagged and not image.no_identifiable_pupil:
            findings.append(
                Finding(
                    "untagged-media",
                    f"Photo {name}: tag every pupil who appears in it, or state that no pupil "
                    "is identifiable.",
                    image.title,
                )
            )
        for pupil in tagged:
            who = pupil.display_name
            if pupil.pk not in allowed_pupils:
                findings.append(
                    Finding(
                        "pupil-not-in-class",
                        f"Photo {name}: {who} is not a current pupil of this class.",
                        who,
                    )
                )
            if not consents[(pupil.pk, Medium.PARTICIPATION)]:
                findings.append(
                    Finding(
                        "no-participation-consent",
                        f"Photo {name}: {who}'s carers have not agreed to the class pages.",
                        who,
                    )
                )
            if not consents[(pupil.pk, Medium.PHOTO)]:
                findings.append(
                    Finding(
                        "no-photo-consent",
                        f"Photo {name}: {who} must not appear in photos (no consent, or it "
                        "was withdrawn or has expired).",
                        who,
                    )
                )
        if detect_faces:
            findings += _face_findings(image, tagged, name)
    return findings


def _pupils_allowed_in(guard, pupils):
    if isinstance(guard, ClassPage):
        return set(
            Enrolment.objects.current()
            .filter(class_page=guard, pupil__in=list(pupils))
            .values_list("pupil_id", flat=True)
        )
    from class_pages.models import SchoolPage

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
            )
        ]
    if faces and not tagged and not image.no_identifiable_pupil:
        return [
            Finding(
                "faces-untagged",
                f"Photo {name}: {faces} face(s) detected and nobody is tagged.",
                image.title,
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
            )
        ]
    return []


def image_face_count(image):
    """Faces in an image: counted when it was saved, or now if that did not happen."""
    if image.detected_faces is None:
        return remember_face_count(image)
    return image.detected_faces
