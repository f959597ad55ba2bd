"""What accepting one phone photo costs the server: a 12-megapixel phone JPEG (4032x3024
with EXIF, GPS and orientation) and the same photo as HEIC, each POSTed by a teacher to
Wagtail's real one-file upload view (decode, strip, re-encode, scale to 3000 px, face
count on save), then the carer renditions made (class_pages.media.photos.carer_specs).
Median of --repeat runs; then --batch of them uploaded together by one teacher, one after
another through the multiple-upload view (as the browser sends them); then the peak
memory of one upload, each format in a fresh subprocess (the resident-set peak, VmHWM,
reset just before it, over the resident size before it). Target: at most 0.5 s per photo on 2 cores.
Prints figures and merges them under "uploads" into benchmarks/out/latest.json:

    .venv/bin/python -m benchmarks.uploads [--repeat 5] [--batch 10]   (make bench runs it)
"""

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "latest.json"
SIZE = (4032, 3024)  # 12 megapixels, as phones take them


def phone_photo(fmt):
    """A 12-MP photo with texture (so encoders work as hard as on a real one), carrying
    GPS, a camera make and orientation 6 as a phone writes them."""
    from PIL import Image
    from pillow_heif import HeifImagePlugin  # noqa: F401

    picture = Image.linear_gradient("L").resize(SIZE).convert("RGB")
    grain = Image.effect_noise(SIZE, 14).convert("RGB")
    picture = Image.blend(picture, grain, 0.3)
    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "PhoneMaker", 6
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    buffer = io.BytesIO()
    # About the sizes phones write: ~3 MB JPEG, ~2 MB HEIC (pillow-heif's scale is lower).
    picture.save(buffer, fmt, quality=85 if fmt == "JPEG" else 50, exif=exif.tobytes())
    return buffer.getvalue()


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    from django.test import Client

    from class_pages.factories import UserFactory, create_class, create_school

    school = create_school("Bench Primary")
    oak = create_class(school, "Oak")
    teacher = UserFactory(username="oak.teacher")
    teacher.groups.add(oak.teachers_group)
    client = Client()
    client.force_login(teacher)
    return databases, client, school, oak


def upload_one(client, oak, data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    response = client.post(
        reverse("wagtailimages:add"),
        {
            "title": name,
            "file": SimpleUploadedFile(name, data),
            "collection": oak.collection_id,
            "tags": "",
            "description": "",
            "no_identifiable_pupil": "on",
        },
    )
    if response.status_code != 302:
        raise RuntimeError(f"upload refused: {response.status_code}")
    from wagtail.images import get_image_model

    return get_image_model().objects.filter(title=name).latest("pk")


def upload_multiple(client, oak, data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from wagtail.images import get_image_model

    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": SimpleUploadedFile(name, data), "collection": oak.collection_id},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    result = json.loads(response.content)
    if not result.get("success"):
        raise RuntimeError(f"upload refused: {result}")
    return get_image_model().objects.get(pk=result["image_id"])


def carer_renditions(image, school):
    from class_pages.media.photos import carer_specs

    for spec in sorted(carer_specs(school)):
        image.get_rendition(spec)


def stages(data):
    """Where one upload's time goes: the clean copy, then the face count of it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from class_pages.media.faces import count_faces
    from class_pages.media.uploads import clean_image_upload

    started = time.perf_counter()
    clean = clean_image_upload(SimpleUploadedFile("photo", data))
    cleaned = time.perf_counter()
    count_faces(io.BytesIO(clean.read()))
    return {"clean_s": cleaned - started, "faces_s": time.perf_counter() - cleaned}


def measure(args):
    databases, client, school, oak = setup()
    report = {"photo": f"{SIZE[0]}x{SIZE[1]} ({SIZE[0] * SIZE[1] / 1e6:.1f} MP)", "cpus": 2}
    try:
        for fmt, label in (("JPEG", "jpeg"), ("HEIF", "heic")):
            data = phone_photo(fmt)
            upload_one(client, oak, data, f"warm-up.{label}")  # imports, detector, caches
            uploads, renders, parts = [], [], []
            for run in range(args.repeat):
                started = time.perf_counter()
                image = upload_one(client, oak, data, f"IMG_{run}.{label}")
                uploaded = time.perf_counter()
                carer_renditions(image, school)
                uploads.append(uploaded - started)
                renders.append(time.perf_counter() - uploaded)
                parts.append(stages(data))
            totals = [a + b for a, b in zip(uploads, renders, strict=True)]
            report[label] = {
                "bytes": len(data),
                "stored": f"{image.width}x{image.height} {image.file.name.rsplit('.', 1)[-1]}",
                "upload_view_median_s": statistics.median(uploads),
                "carer_renditions_median_s": statistics.median(renders),
                "total_median_s": statistics.median(totals),
                "clean_copy_median_s": statistics.median(p["clean_s"] for p in parts),
                "face_count_median_s": statistics.median(p["faces_s"] for p in parts),
                "runs": args.repeat,
            }
            started = time.perf_counter()
            for n in range(args.batch):
                image = upload_multiple(client, oak, data, f"batch_{n}.{label}")
                carer_renditions(image, school)
            elapsed = time.perf_counter() - started
            report[label][f"batch_of_{args.batch}_sequential_s"] = elapsed
            report[label]["batch_per_photo_s"] = elapsed / args.batch
    finally:
        from django.test.utils import teardown_databases

        teardown_databases(databases, verbosity=0)
    return report


def memory_probe(fmt):
    """In its own process: the peak memory one upload (and its renditions) adds."""
    databases, client, school, oak = setup()
    data = phone_photo(fmt)
    upload_one(client, oak, _small_jpeg(), "warm-up.jpg")
    Path("/proc/self/clear_refs").write_text("5")  # Linux: the peak (VmHWM) starts again
    before = _status_mb("VmRSS")
    image = upload_one(client, oak, data, "probe")
    carer_renditions(image, school)
    after = _status_mb("VmHWM")
    from django.test.utils import teardown_databases

    teardown_databases(databases, verbosity=0)
    print(json.dumps({"before_mb": before, "peak_mb": after}))


def _status_mb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _small_jpeg():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--memory-probe", choices=("JPEG", "HEIF"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(args.memory_probe)
        return
    report = measure(args)
    for fmt, label in (("JPEG", "jpeg"), ("HEIF", "heic")):
        probe = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "benchmarks.uploads", "--memory-probe", fmt],
            capture_output=True,
            text=True,
            check=True,
        )
        memory = json.loads(probe.stdout.strip().splitlines()[-1])
        report[label]["memory_peak_added_mb"] = memory["peak_mb"] - memory["before_mb"]
        report[label]["memory_peak_process_mb"] = memory["peak_mb"]
    for label in ("jpeg", "heic"):
        figures = report[label]
        print(
            f"12-MP {label.upper():4s} ({figures['bytes'] / 1e6:.1f} MB -> {figures['stored']}): "
            f"upload {figures['upload_view_median_s']:.3f} s (clean copy "
            f"{figures['clean_copy_median_s']:.3f}, faces {figures['face_count_median_s']:.3f})"
            f" + carer renditions {figures['carer_renditions_median_s']:.3f} s = "
            f"{figures['total_median_s']:.3f} s median of {figures['runs']}; "
            f"{args.batch} in a row {figures[f'batch_of_{args.batch}_sequential_s']:.2f} s "
            f"({figures['batch_per_photo_s']:.3f} s each); memory +"
            f"{figures['memory_peak_added_mb']:.0f} MB (process peak "
            f"{figures['memory_peak_process_mb']:.0f} MB)"
        )
    existing = json.loads(args.out.read_text()) if args.out.exists() else {}
    existing["uploads"] = report
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(existing, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
