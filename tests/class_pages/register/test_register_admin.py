"""The pupil register in the Wagtail admin (pupils, enrolments, carer links): office staff
see and change only their own school's rows, every choice in every form is limited to
their school, and a carer link made in the admin gives the carer their class at once."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from class_pages.factories import UserFactory
from class_pages.models import CarerLink, Enrolment, Pupil

VIEWSETS = ("pupils", "enrolments", "carer_links")


def names(response):
    return sorted(str(obj) for obj in response.context["object_list"])


def b_object(world, viewset):
    pupil = world.b.pupils["Rowan"]
    return {
        "pupils": pupil,
        "enrolments": Enrolment.objects.get(pupil=pupil),
        "carer_links": CarerLink.objects.get(pupil=pupil),
    }[viewset]


def a_object(world, viewset):
    pupil = world.a.pupils["Oak"]
    return {
        "pupils": pupil,
        "enrolments": Enrolment.objects.get(pupil=pupil),
        "carer_links": CarerLink.objects.get(pupil=pupil),
    }[viewset]


def link_form(carer_account, pupil, **extra):
    return {
        "carer_account": carer_account,
        "pupil": pupil.pk,
        "relationship": CarerLink.Relationship.PARENT,
        "status": CarerLink.Status.ACTIVE,
        "status_reason": "",
        **extra,
    }


@pytest.fixture
def office(world, client):
    client.force_login(world.a.office)
    return client


# --- listing and search -----------------------------------------------------------


def test_pupil_index_lists_own_school_only(world, office):
    response = office.get(reverse("pupils:index"))
    assert response.status_code == 200
    assert names(response) == ["Oakkid Smith", "Willowkid Smith"]
    html = response.content.decode()
    assert "Oakkid" in html
    assert "Rowankid" not in html


@pytest.mark.parametrize(
    ("viewset", "expected"),
    [
        ("pupils", ["Oakkid Smith", "Willowkid Smith"]),
        ("enrolments", ["Oakkid Smith in Oak, 2026-27", "Willowkid Smith in Willow, 2026-27"]),
        ("carer_links", None),
    ],
)
def test_every_register_index_is_scoped(world, office, viewset, expected):
    response = office.get(reverse(f"{viewset}:index"))
    assert response.status_code == 200
    objects = list(response.context["object_list"])
    assert len(objects) == 2
    if expected:
        assert names(response) == expected
    assert "Rowankid" not in response.content.decode()


@pytest.mark.parametrize(
    ("viewset", "query", "expected"),
    [
        ("pupils", "Oakkid", ["Oakkid Smith"]),
        ("pupils", "willowkid", ["Willowkid Smith"]),
        ("enrolments", "Willowkid", ["Willowkid Smith in Willow, 2026-27"]),
        ("carer_links", "oak.carer", ["Oakkid"]),
    ],
)
def test_register_search_narrows_the_list(world, office, viewset, query, expected):
    response = office.get(reverse(f"{viewset}:index"), {"q": query})
    assert response.status_code == 200
    found = names(response)
    if viewset == "carer_links":
        assert len(found) == 1 and found[0].endswith("→ Oakkid Smith"), found
    else:
        assert found == expected


def test_register_search_never_reaches_another_school(world, office):
    response = office.get(reverse("pupils:index"), {"q": "Rowankid"})
    assert response.status_code == 200
    assert "Rowankid Smith" not in names(response)


# --- another school's rows are a plain 404 ------------------------------------------


@pytest.mark.parametrize("viewset", VIEWSETS)
@pytest.mark.parametrize("view", ["edit", "delete", "history", "usage"])
def test_other_schools_rows_are_404(world, office, viewset, view):
    target = b_object(world, viewset)
    response = office.get(reverse(f"{viewset}:{view}", args=[target.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("viewset", VIEWSETS)
def test_other_schools_rows_cannot_be_deleted(world, office, viewset):
    target = b_object(world, viewset)
    response = office.post(reverse(f"{viewset}:delete", args=[target.pk]))
    assert response.status_code == 404
    assert type(target).objects.filter(pk=target.pk).exists()
    # The B carer still sees their class (school B is served on its own host).
    carer = Client()
    carer.force_login(world.b.carers["Rowan"])
    _, host, path = world.b.classes["Rowan"].get_url_parts()
    assert carer.get(path, HTTP_HOST=host.split("//")[1]).status_code == 200


def test_other_schools_pupil_cannot_be_edited(world, office):
    pupil = world.b.pupils["Rowan"]
    response = office.post(
        reverse("pupils:edit", args=[pupil.pk]),
        {"school": world.a.school.pk, "first_name": "Stolen", "last_name": "Kid", "left_on": ""},
    )
    assert response.status_code == 404
    pupil.refresh_from_db()
    assert (pupil.first_name, pupil.school_id) == ("Rowankid", world.b.school.pk)


@pytest.mark.parametrize("viewset", VIEWSETS)
@pytest.mark.parametrize("view", ["edit", "delete", "history", "usage"])
def test_own_schools_rows_open(world, office, viewset, view):
    """Control for the 404s above, and the history/usage views must work for the rows
    the office does keep."""
    target = a_object(world, viewset)
    response = office.get(reverse(f"{viewset}:{view}", args=[target.pk]))
    assert response.status_code == 200


# --- carer links made in the admin --------------------------------------------------


@pytest.mark.parametrize("named_by", ["username", "email"])
def test_new_carer_link_grants_the_class(world, office, named_by):
    carer = UserFactory(username="new.carer", email="New.Carer@Example.org")
    willow = world.a.classes["Willow"]
    carer_browser = Client()
    carer_browser.force_login(carer)
    assert carer_browser.get(willow.url).status_code == 404

    account = "new.carer" if named_by == "username" else "new.carer@example.org"
    response = office.post(reverse("carer_links:add"), link_form(account, world.a.pupils["Willow"]))

    assert response.status_code == 302
    link = CarerLink.objects.get(carer=carer)
    assert link.pupil == world.a.pupils["Willow"]
    assert link.status == CarerLink.Status.ACTIVE
    page = carer_browser.get(willow.url)
    assert page.status_code == 200
    assert b"Willow news" in page.content
    assert carer_browser.get(world.a.classes["Oak"].url).status_code == 404


def test_duplicate_carer_link_is_a_form_error(world, office):
    pupil = world.a.pupils["Oak"]
    before = CarerLink.objects.count()

    response = office.post(reverse("carer_links:add"), link_form("oak.carer", pupil))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "already linked" in " ".join(errors.get("carer_account", []))
    assert CarerLink.objects.count() == before


def test_duplicate_carer_link_by_email_is_a_form_error(world, office):
    response = office.post(
        reverse("carer_links:add"),
        link_form("OAK.CARER@demo.invalid", world.a.pupils["Oak"]),
    )
    assert response.status_code == 200
    assert "already linked" in " ".join(response.context["form"].errors["carer_account"])
    assert CarerLink.objects.filter(pupil=world.a.pupils["Oak"]).count() == 1


@pytest.mark.parametrize("account", ["nobody@example.org", "shared@example.org", "no-such-user"])
def test_unknown_or_ambiguous_carer_is_a_clear_form_error(world, office, account):
    UserFactory(username="twin.one", email="shared@example.org")
    UserFactory(username="twin.two", email="Shared@example.org")
    before = CarerLink.objects.count()

    response = office.post(reverse("carer_links:add"), link_form(account, world.a.pupils["Oak"]))

    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["carer_account"])
    assert "No single account has that username or e-mail" in message
    assert "No single account" in response.content.decode()
    assert CarerLink.objects.count() == before


def test_carer_link_to_another_schools_pupil_is_refused(world, office):
    carer = UserFactory(username="new.carer")
    response = office.post(
        reverse("carer_links:add"), link_form("new.carer", world.b.pupils["Rowan"])
    )
    assert response.status_code == 200
    assert "pupil" in response.context["form"].errors
    assert not CarerLink.objects.filter(carer=carer).exists()


def test_carer_link_form_lists_no_accounts_or_other_schools_pupils(world, office):
    html = office.get(reverse("carer_links:add")).content.decode()
    assert "Oakkid" in html
    assert "Rowankid" not in html
    assert "rowan.carer" not in html
    assert "oak.carer" not in html


# --- form choices are limited to the office's school --------------------------------


def test_enrolment_form_offers_only_own_schools_pupils_and_classes(world, office):
    response = office.get(reverse("enrolments:add"))
    assert response.status_code == 200
    form = response.context["form"]
    assert {str(p) for p in form.fields["pupil"].queryset} == {"Oakkid Smith", "Willowkid Smith"}
    assert {c.title for c in form.fields["class_page"].queryset} == {
        "Oak, 2026-27",
        "Willow, 2026-27",
    }
    html = response.content.decode()
    assert "Oakkid" in html
    assert "Rowankid" not in html
    assert "Rowan" not in html
    assert "Birch" not in html


def test_office_can_pick_own_classes_in_the_enrolment_class_chooser(world, office):
    """Whatever widget the enrolment form uses for the class (Wagtail's page chooser for a
    page foreign key, or a plain select), the office must be offered their own school's
    classes in it, and only those."""
    response = office.get(reverse("enrolments:add"))
    widget = response.context["form"].fields["class_page"].widget
    if hasattr(widget, "get_chooser_modal_url"):
        chooser_url = widget.get_chooser_modal_url()
        index_id = world.a.classes["Oak"].get_parent().pk
        offered = ""
        for url in (
            f"{chooser_url}?page_type=class_pages.classpage",
            f"{chooser_url}{index_id}/?page_type=class_pages.classpage",
            f"{chooser_url}search/?q=2026&page_type=class_pages.classpage",
        ):
            chooser = office.get(url)
            assert chooser.status_code == 200
            offered += chooser.content.decode()
    else:
        offered = response.content.decode()
    assert "Oak, 2026-27" in offered
    assert "Willow, 2026-27" in offered
    assert "Rowan" not in offered


def test_pupil_form_offers_only_own_school(world, office):
    response = office.get(reverse("pupils:add"))
    assert response.status_code == 200
    assert list(response.context["form"].fields["school"].queryset) == [world.a.school]
    assert "Birch" not in response.content.decode()


@pytest.mark.parametrize("crossing", ["pupil_of_b", "class_of_b"])
def test_enrolment_across_schools_is_refused(world, office, crossing):
    pupil = world.b.pupils["Rowan"] if crossing == "pupil_of_b" else world.a.pupils["Oak"]
    class_page = world.a.classes["Willow"] if crossing == "pupil_of_b" else world.b.classes["Rowan"]
    before = Enrolment.objects.count()

    response = office.post(
        reverse("enrolments:add"),
        {
            "pupil": pupil.pk,
            "class_page": class_page.pk,
            "started_on": "2026-09-07",
            "ended_on": "",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert Enrolment.objects.count() == before


def test_office_enrols_own_pupil_in_own_class(world, office):
    """Control for the refusals above: a valid enrolment is accepted."""
    pupil = Pupil.objects.create(school=world.a.school, first_name="Newkid", last_name="Jones")
    response = office.post(
        reverse("enrolments:add"),
        {
            "pupil": pupil.pk,
            "class_page": world.a.classes["Oak"].pk,
            "started_on": "2026-09-07",
            "ended_on": "",
        },
    )
    assert response.status_code == 302
    assert Enrolment.objects.filter(pupil=pupil, class_page=world.a.classes["Oak"]).exists()


# --- staff without register rights ----------------------------------------------------


@pytest.mark.parametrize("viewset", VIEWSETS)
@pytest.mark.parametrize("view", ["index", "add"])
def test_teacher_is_refused_the_register(world, client, viewset, view):
    client.force_login(world.a.teachers["Oak"])
    response = client.get(reverse(f"{viewset}:{view}"))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == "/admin/"
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("permission" in m for m in messages), messages


def test_teacher_cannot_edit_own_pupil_in_register(world, client):
    pupil = world.a.pupils["Oak"]
    client.force_login(world.a.teachers["Oak"])
    response = client.post(
        reverse("pupils:edit", args=[pupil.pk]),
        {"school": world.a.school.pk, "first_name": "Renamed", "last_name": "Smith", "left_on": ""},
    )
    assert response.status_code in (302, 403, 404)
    pupil.refresh_from_db()
    assert pupil.first_name == "Oakkid"


def test_leader_reads_the_register_but_cannot_add(world, client):
    client.force_login(world.a.leader)
    response = client.get(reverse("pupils:index"))
    assert response.status_code == 200
    assert names(response) == ["Oakkid Smith", "Willowkid Smith"]

    refused = client.post(
        reverse("pupils:add"),
        {"school": world.a.school.pk, "first_name": "Ghost", "last_name": "Pupil", "left_on": ""},
    )
    assert refused.status_code in (302, 403)
    assert not Pupil.objects.filter(first_name="Ghost").exists()


def test_revoking_a_link_needs_a_reason_and_ends_access(world, office):
    link = world.a.carers["Oak"].carer_links.get()
    url = reverse("carer_links:edit", args=[link.pk])
    data = {
        "carer_account": world.a.carers["Oak"].username,
        "pupil": link.pupil_id,
        "relationship": link.relationship,
        "status": CarerLink.Status.REVOKED,
        "end_reason": "",
        "status_reason": "",
    }
    response = office.post(url, data)
    assert response.status_code == 200
    assert "end_reason" in response.context["form"].errors
    link.refresh_from_db()
    assert link.status == CarerLink.Status.ACTIVE

    response = office.post(url, {**data, "end_reason": CarerLink.EndReason.VIOLATION})
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.status, link.end_reason) == (CarerLink.Status.REVOKED, "violation")
    carer = Client()
    carer.force_login(world.a.carers["Oak"])
    response = carer.get(world.a.classes["Oak"].url)
    assert response.status_code == 404
    assert b"contact the school office" in response.content  # neutral, not an error page
