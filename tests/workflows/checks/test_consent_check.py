"""The consent check on posts built from real images and consent records, including the
face detector on generated pictures with and without faces."""

import datetime
import io
from pathlib import Path

from django.core.files.images import ImageFile
from PIL import Image

from class_pages.factories import ClassImageFactory, StoryPostPageFactory, give_consent
from class_pages.media.faces import count_faces
from class_pages.models import Medium
from workflows.checks.consent import check_consent

HOPPER = Path(__file__).parents[2] / "fixtures" / "hopper.jpg"


def face_file(copies=1, name="faces.png"):
    """A picture with `copies` real faces side by side (Pillow's public-domain test
    photo), or none with copies=0."""
    face = Image.open(HOPPER).convert("RGB").resize((256, 256))
    canvas = Image.new("RGB", (256 * max(copies, 1) + 40, 296), (200, 200, 200))
    for i in range(copies):
        canvas.paste(face, (20 + 256 * i, 20))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name=name)


def draft(world, images, class_name="Oak"):
    return StoryPostPageFactory(parent=world.a.classes[class_name], photos=images, published=False)


def found(post, world, class_name="Oak"):
    return {(f.code, f.blocking) for f in check_consent(post, world.a.classes[class_name])}


def test_face_detector_counts_generated_pictures():
    assert count_faces(face_file(0)) == 0
    assert count_faces(face_file(1)) == 1
    assert count_faces(face_file(2)) == 2


def test_tagged_pupil_with_consent_passes(world):
    post = draft(world, [world.a.images["Oak"]])
    assert check_consent(post, world.a.classes["Oak"]) == []


def test_withdrawn_photo_consent_is_blocking(world):
    give_consent(world.a.pupils["Oak"], (Medium.PHOTO,), given=False)
    post = draft(world, [world.a.images["Oak"]])
    assert ("no-photo-consent", True) in found(post, world)


def test_expired_consent_is_blocking(world):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    give_consent(world.a.pupils["Oak"], (Medium.PHOTO,), valid_until=yesterday)
    post = draft(world, [world.a.images["Oak"]])
    assert ("no-photo-consent", True) in found(post, world)


def test_missing_participation_consent_is_blocking(world):
    give_consent(world.a.pupils["Oak"], (Medium.PARTICIPATION,), given=False)
    post = draft(world, [world.a.images["Oak"]])
    assert ("no-participation-consent", True) in found(post, world)


def test_pupil_of_another_class_is_blocking(world):
    willow_photo = ClassImageFactory(
        collection=world.a.classes["Oak"].collection, pupils=[world.a.pupils["Willow"]]
    )
    post = draft(world, [willow_photo])
    assert ("pupil-not-in-class", True) in found(post, world)


def test_untagged_photo_needs_the_statement(world):
    untagged = ClassImageFactory(collection=world.a.classes["Oak"].collection)
    assert ("untagged-media", True) in found(draft(world, [untagged]), world)
    untagged.no_identifiable_pupil = True
    untagged.save()
    assert found(draft(world, [untagged]), world) == set()


def test_deleted_image_is_a_clear_finding(world):
    image = ClassImageFactory(
        collection=world.a.classes["Oak"].collection, pupils=[world.a.pupils["Oak"]]
    )
    post = draft(world, [image])
    image.delete()
    post.refresh_from_db()
    assert ("missing-media", True) in found(post, world)


def test_faces_with_nobody_tagged_and_no_statement_are_rejected(world):
    image = ClassImageFactory(collection=world.a.classes["Oak"].collection, file=face_file(1))
    codes = found(draft(world, [image]), world)
    assert ("faces-untagged", True) in codes


def test_faces_despite_statement_is_a_note_for_the_leader(world):
    image = ClassImageFactory(
        collection=world.a.classes["Oak"].collection,
        file=face_file(1),
        no_identifiable_pupil=True,
    )
    assert found(draft(world, [image]), world) == {("faces-despite-statement", False)}


def test_more_faces_than_tags_is_a_note(world):
    image = ClassImageFactory(
        collection=world.a.classes["Oak"].collection,
        file=face_file(2),
        pupils=[world.a.pupils["Oak"]],
    )
    image.refresh_from_db()
    assert image.detected_faces == 2  # counted when the image was saved
    assert found(draft(world, [image]), world) == {("more-faces-than-tags", False)}


def test_no_faces_no_face_notes(world):
    image = ClassImageFactory(
        collection=world.a.classes["Oak"].collection,
        file=face_file(0),
        pupils=[world.a.pupils["Oak"]],
    )
    assert found(draft(world, [image]), world) == set()
