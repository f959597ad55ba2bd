"""How long the automatic checks take on a post with 20 photos (3000x2000 JPEGs, as a
school tablet takes them, each with a tagged pupil) and a 500-word body. Prints figures;
asserts nothing.

    .venv/bin/python -m benchmarks.moderation_checks
"""

import os
import statistics
import time


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        run()
    finally:
        teardown_databases(databases, verbosity=0)


def timed(function, repeat=5):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def camera_photo(seed):
    """A 3000x2000 JPEG with some texture, like a real photo."""
    import io

    from django.core.files.images import ImageFile
    from PIL import Image

    picture = Image.linear_gradient("L").resize((3000, 2000)).convert("RGB")
    grain = Image.effect_noise((3000, 2000), 12 + seed % 5).convert("RGB")
    picture = Image.blend(picture, grain, 0.3)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    return ImageFile(io.BytesIO(buffer.getvalue()), name=f"camera{seed}.jpg")


def run():
    from class_pages.factories import (
        ClassImageFactory,
        PupilFactory,
        StoryPostPageFactory,
        create_class,
        create_school,
        enrol,
        give_consent,
    )
    from class_pages.models import ClassImage
    from workflows.models import AppropriatenessCheckTask, ConsentCheckTask

    school = create_school("Bench Primary")
    oak = create_class(school, "Oak")
    pupils = [PupilFactory(school=school) for _ in range(20)]
    for pupil in pupils:
        enrol(pupil, oak)
        give_consent(pupil)
    images = [
        ClassImageFactory(collection=oak.collection, pupils=[pupil], file=camera_photo(i))
        for i, pupil in enumerate(pupils)
    ]
    body = " ".join(["We explored the pond and counted the frogs together."] * 56)[:3400]
    post = StoryPostPageFactory(parent=oak, photos=images, body=body, published=False)
    consent, fitting = ConsentCheckTask(name="c"), AppropriatenessCheckTask(name="a")

    def reset_faces():
        ClassImage.objects.update(detected_faces=None)

    print(f"post: {len(images)} photos, {len(body.split())} words")
    from class_pages.media.faces import remember_face_count

    upload = timed(lambda: [remember_face_count(image) for image in images[:5]], repeat=1)
    upload = [sample / 5 for sample in upload]
    cold = []
    for _ in range(3):
        reset_faces()
        cold += timed(lambda: consent.run_checks(post, oak), repeat=1)
    warm = timed(lambda: consent.run_checks(post, oak))
    text = timed(lambda: fitting.run_checks(post, oak))
    for label, samples in (
        ("face count of one photo, done when it is uploaded", upload),
        ("consent check, faces counted now (worst case)", cold),
        ("consent check, face counts stored at upload (normal)", warm),
        ("appropriateness check", text),
    ):
        print(
            f"{label:55s} median {statistics.median(samples) * 1000:7.1f} ms"
            f"  max {max(samples) * 1000:7.1f} ms"
        )
    total = statistics.median(warm) + statistics.median(text)
    print(f"{'both checks on submission (normal)':55s} median {total * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
