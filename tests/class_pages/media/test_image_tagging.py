"""Tagging pupils on images in the admin: a teacher sees and may tag only the pupils of
their own class; a leader, those of their school; nobody sees other schools' pupils."""

from django.urls import reverse
from wagtail.images import get_image_model

from class_pages.factories import generated_image_file


def edit_form(client, image):
    response = client.get(reverse("wagtailimages:edit", args=[image.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_teacher_tags_only_their_own_pupils(world, client):
    client.force_login(world.a.teachers["Oak"])
    html = edit_form(client, world.a.images["Oak"])
    assert world.a.pupils["Oak"].first_name in html
    assert world.a.pupils["Willow"].first_name not in html
    assert world.b.pupils["Rowan"].first_name not in html


def test_leader_tags_pupils_of_their_school_only(world, client):
    client.force_login(world.a.leader)
    html = edit_form(client, world.a.images["Oak"])
    assert world.a.pupils["Oak"].first_name in html
    assert world.a.pupils["Willow"].first_name in html
    assert world.b.pupils["Rowan"].first_name not in html


def post_edit(client, image, **fields):
    data = {
        "title": image.title,
        "collection": image.collection_id,
        "tags": "",
        "description": "",
        "focal_point_x": "",
        "focal_point_y": "",
        "focal_point_width": "",
        "focal_point_height": "",
        **fields,
    }
    return client.post(reverse("wagtailimages:edit", args=[image.pk]), data)


def test_forged_tag_of_another_class_is_refused(world, client):
    image = world.a.images["Oak"]
    client.force_login(world.a.teachers["Oak"])
    response = post_edit(client, image, pupils=[world.a.pupils["Willow"].pk])
    assert response.status_code == 200  # the form again, with an error
    assert "pupils" in response.context["form"].errors
    assert list(image.pupils.all()) == [world.a.pupils["Oak"]]


def test_tags_and_statement_together_are_refused(world, client):
    image = world.a.images["Oak"]
    client.force_login(world.a.teachers["Oak"])
    response = post_edit(
        client, image, pupils=[world.a.pupils["Oak"].pk], no_identifiable_pupil="on"
    )
    assert response.status_code == 200
    assert "no_identifiable_pupil" in response.context["form"].errors


def test_teacher_saves_tags_of_own_pupils(world, client):
    image = world.a.images["Oak"]
    image.pupils.clear()
    client.force_login(world.a.teachers["Oak"])
    response = post_edit(client, image, pupils=[world.a.pupils["Oak"].pk])
    assert response.status_code == 302
    assert list(image.pupils.all()) == [world.a.pupils["Oak"]]


def test_teacher_cannot_open_another_class_image(world, client):
    client.force_login(world.a.teachers["Oak"])
    response = client.get(reverse("wagtailimages:edit", args=[world.a.images["Willow"].pk]))
    assert response.status_code in (302, 403, 404)
    assert world.a.pupils["Willow"].first_name.encode() not in response.content


def test_upload_lands_in_the_class_collection_with_a_random_name(world, client):
    client.force_login(world.a.teachers["Oak"])
    upload = generated_image_file(name="IMG_2041_Amira_Smith.png")
    response = client.post(
        reverse("wagtailimages:add"),
        {
            "title": "Pond dipping",
            "file": upload,
            "collection": world.a.classes["Oak"].collection_id,
            "tags": "",
            "description": "",
        },
    )
    assert response.status_code == 302
    image = get_image_model().objects.get(title="Pond dipping")
    assert image.collection_id == world.a.classes["Oak"].collection_id
    assert "Amira" not in image.file.name and "IMG_2041" not in image.file.name
    assert image.file.url.startswith("/files/original_images/")


def test_consent_status_is_shown_next_to_each_name(world, client):
    from class_pages.factories import give_consent
    from class_pages.models import Medium

    give_consent(world.a.pupils["Oak"], (Medium.VIDEO,), given=False)
    client.force_login(world.a.teachers["Oak"])
    html = edit_form(client, world.a.images["Oak"])
    assert "Oakkid S. — photo ✓ · video ✗ no consent · audio ✓" in html
    assert "Smith" not in html.split('name="pupils"')[1][:400]  # initials only
