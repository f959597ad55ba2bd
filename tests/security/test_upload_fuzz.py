"""Upload fuzzing: small valid JPEG, PNG and GIF files, mutated by hypothesis (bit flips,
truncation, splices of another file, swapped headers), POSTed through the real Wagtail
image upload form as a teacher. Never a 5xx: either the image is accepted (and its
stored file opens and re-encodes) or the form says what is wrong with the file, and a
refused upload leaves no file behind in the private media folder."""

import io
import itertools
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from class_pages.models import ClassImage


def _seed(fmt, **options):
    picture = Image.new("RGB", (24, 16), (200, 40, 90))
    for x in range(0, 24, 3):
        picture.putpixel((x, x % 16), (10, 220, 30))
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


SEEDS = {
    "jpg": _seed("JPEG", quality=80),
    "png": _seed("PNG"),
    "gif": _seed("GIF"),
}
HEADERS = {
    "jpg": SEEDS["jpg"][:20],
    "png": SEEDS["png"][:33],  # signature and IHDR
    "gif": SEEDS["gif"][:13],  # signature and logical screen descriptor
}
COUNTER = itertools.count()


def flip_bits(data, flips):
    data = bytearray(data)
    for position, bit in flips:
        data[position % len(data)] ^= 1 << bit
    return bytes(data)


def truncate(data, keep):
    return data[: keep % (len(data) + 1)]


def splice(data, other, at, length):
    at = at % (len(data) + 1)
    return data[:at] + other[:length] + data[at + length :]


def swap_header(data, own, other):
    return HEADERS[other] + data[len(HEADERS[own]) :]


@st.composite
def mutated_images(draw):
    kind = draw(st.sampled_from(sorted(SEEDS)))
    data = SEEDS[kind]
    mutations = draw(
        st.lists(st.sampled_from(["flip", "truncate", "splice", "header"]), min_size=1, max_size=3)
    )
    for mutation in mutations:
        if mutation == "flip":
            flips = draw(
                st.lists(st.tuples(st.integers(0, 4096), st.integers(0, 7)), min_size=1, max_size=8)
            )
            data = flip_bits(data, flips)
        elif mutation == "truncate":
            data = truncate(data, draw(st.integers(0, len(data))))
        elif mutation == "splice":
            other = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
            data = splice(data, other, draw(st.integers(0, 4096)), draw(st.integers(1, 400)))
        else:
            data = swap_header(data, kind, draw(st.sampled_from(sorted(HEADERS))))
    return kind, data


def stored_files():
    root = Path(django_settings.PRIVATE_MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def upload(client, world, name, data):
    title = f"fuzz {next(COUNTER)}"
    response = client.post(
        reverse("wagtailimages:add"),
        {
            "title": title,
            "file": SimpleUploadedFile(name, data),
            "collection": world.a.classes["Oak"].collection_id,
            "tags": "",
            "description": "",
        },
    )
    return title, response


@pytest.fixture
def teacher_browser(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.a.teachers["Oak"])
    return client


def test_the_seeds_are_accepted(world, teacher_browser):
    """Unmutated, every seed is a good upload: refusals below are the mutations' doing."""
    for kind, data in SEEDS.items():
        title, response = upload(teacher_browser, world, f"seed.{kind}", data)
        assert response.status_code == 302, (kind, response.status_code)
        assert ClassImage.objects.filter(title=title).exists()


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sample=mutated_images())
def test_mutated_uploads_never_break_the_form(world, teacher_browser, sample):
    kind, data = sample
    before = stored_files()
    title, response = upload(teacher_browser, world, f"photo.{kind}", data)
    assert response.status_code in (200, 302), f"{response.status_code} for {len(data)} bytes"
    image = ClassImage.objects.filter(title=title).first()
    if response.status_code == 302:
        assert image is not None
        with image.open_file() as handle, Image.open(handle) as picture:
            picture.load()
            picture.convert("RGB").save(io.BytesIO(), format="PNG")
        return
    assert image is None, "a refused upload was stored"
    assert response.context["form"].errors.get("file"), "refused without a clear message"
    assert stored_files() == before, "a refused upload left a file behind"
