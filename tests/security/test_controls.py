"""Controls of the hardening list that have no better home: the password rules, SVG
refused, no shared-password privacy on offer, and previews or draft views refused to
carers (they never reach the admin at all)."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.images import get_image_model

from cms.settings import base
from tests.class_pages.media.test_upload_corpus import stored_files

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Sh0rt-pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("736450918273645", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(db, password, reason):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert reason in " ".join(refused.value.messages)


def test_a_long_uncommon_password_is_accepted(db):
    validate_password("tadpoles-in-the-pond-2026")


def test_argon2_hashes_new_passwords_outside_the_tests():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_svg_is_refused_and_leaves_nothing(world, client):
    client.force_login(world.a.teachers["Oak"])
    before = stored_files()
    response = client.post(
        reverse("wagtailimages:add"),
        {
            "title": "vector",
            "file": SimpleUploadedFile("drawing.svg", SVG, content_type="image/svg+xml"),
            "collection": world.a.classes["Oak"].collection_id,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("file")
    assert not get_image_model().objects.filter(title="vector").exists()
    assert stored_files() == before


def test_page_privacy_offers_no_shared_password(world, client):
    """Only superusers may set page privacy at all; even they get no password option."""
    from class_pages.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(f"/admin/pages/{world.a.posts['Oak'].pk}/privacy/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="password"' not in body
    assert "restriction_type" in body  # the form is there, without the password choice


@pytest.mark.parametrize(
    "view", ["edit/preview/", "view_draft/", "revisions/compare/live...earliest/"]
)
def test_previews_and_drafts_are_refused_to_carers(world, client, view):
    client.force_login(world.a.carers["Oak"])
    response = client.get(f"/admin/pages/{world.a.posts['Oak'].pk}/{view}")
    assert response.status_code in (302, 403, 404)
    assert response.status_code != 200
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")
    assert b"Oak news" not in response.content
