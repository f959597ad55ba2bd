"""Consent for a carer's own children, on the site ("My children" and the consent form)
and on paper through the admin's consent records (office adds, leaders read, nobody
edits or deletes). Everything goes through the real URLs with Django's test client."""

import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from class_pages.factories import CarerLinkFactory, UserFactory, give_consent
from class_pages.models import CarerLink, ConsentRecord, Medium, StoryPostPage, current_consent
from tests.helpers import RENDITION_SRC, assert_private

MY_CHILDREN = "/my-children/"
ALL_YES = {"participation": "yes", "photo": "yes", "video": "yes", "audio": "yes"}


def consent_url(pupil):
    return f"/my-children/{pupil.pk}/consent/"


def answers(**changes):
    return {**ALL_YES, **changes}


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def shown_pupils(response):
    return [child["pupil"].pk for child in response.context["children"]]


def consents_shown(response, pupil):
    child = next(c for c in response.context["children"] if c["pupil"].pk == pupil.pk)
    return {label: given for label, given, _ in child["consents"]}


def assert_sign_in_redirect(response, path):
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/sign-in/"
    assert parse_qs(location.query)["next"] == [path]
    assert_private(response)


@pytest.fixture
def oak_carer(world, client):
    client.force_login(world.a.carers["Oak"])
    return client


# --- "My children" -------------------------------------------------------------------


def test_carer_sees_own_child_only(world, oak_carer):
    response = oak_carer.get(MY_CHILDREN)

    assert response.status_code == 200
    assert_private(response)
    assert shown_pupils(response) == [world.a.pupils["Oak"].pk]
    html = response.content.decode()
    assert "Oakkid Smith" in html
    assert "Oak, 2026-27" in html
    assert world.a.classes["Oak"].url in html
    assert consent_url(world.a.pupils["Oak"]) in html
    for other in ("Willowkid", "Rowankid", "Willow, 2026-27", "Rowan"):
        assert other not in html


def test_list_shows_current_consents(world, oak_carer):
    pupil = world.a.pupils["Oak"]
    give_consent(pupil, (Medium.PHOTO, Medium.AUDIO), given=False)

    response = oak_carer.get(MY_CHILDREN)

    assert consents_shown(response, pupil) == {
        Medium.PARTICIPATION.label: True,
        Medium.PHOTO.label: False,
        Medium.VIDEO.label: True,
        Medium.AUDIO.label: False,
    }
    html = response.content.decode()
    assert html.count("<dd>Yes</dd>") == 2
    assert html.count("<dd>No</dd>") == 2


def test_suspended_link_hides_the_child_and_its_form(world, oak_carer):
    pupil = world.a.pupils["Oak"]
    CarerLink.objects.filter(pupil=pupil).update(status=CarerLink.Status.SUSPENDED)
    before = ConsentRecord.objects.count()

    assert shown_pupils(oak_carer.get(MY_CHILDREN)) == []
    assert oak_carer.get(consent_url(pupil)).status_code == 404
    assert oak_carer.post(consent_url(pupil), answers(photo="no")).status_code == 404
    assert ConsentRecord.objects.count() == before


def test_header_links_to_my_children_when_signed_in(world, oak_carer):
    assert 'href="/my-children/"' in oak_carer.get("/my-classes/").content.decode()
    assert 'href="/my-children/"' not in Client().get("/sign-in/").content.decode()


# --- the consent form ----------------------------------------------------------------


def test_form_is_prefilled_from_the_current_state(world, oak_carer):
    pupil = world.a.pupils["Oak"]
    give_consent(pupil, (Medium.VIDEO,), given=False)

    response = oak_carer.get(consent_url(pupil))

    assert response.status_code == 200
    assert_private(response)
    assert response.context["form"].initial == answers(video="no")
    html = response.content.decode()
    assert re.search(r'<input[^>]*id="id_video_1"[^>]*checked', html)
    assert not re.search(r'<input[^>]*id="id_video_0"[^>]*checked', html)
    assert re.search(r'<input[^>]*id="id_photo_0"[^>]*checked', html)
    # Every input has a label.
    for medium in ("participation", "photo", "video", "audio"):
        for index in (0, 1):
            assert f'for="id_{medium}_{index}"' in html


def test_only_the_changes_are_recorded(world, oak_carer):
    pupil, carer = world.a.pupils["Oak"], world.a.carers["Oak"]
    before = set(ConsentRecord.objects.values_list("pk", flat=True))

    response = oak_carer.post(consent_url(pupil), answers(photo="no", audio="no"))

    assert response.status_code == 302
    assert response["Location"] == MY_CHILDREN
    assert_private(response)
    new = ConsentRecord.objects.exclude(pk__in=before)
    assert sorted(new.values_list("medium", "given", "method", "recorded_by", "pupil")) == [
        (Medium.AUDIO, False, ConsentRecord.Method.ONLINE, carer.pk, pupil.pk),
        (Medium.PHOTO, False, ConsentRecord.Method.ONLINE, carer.pk, pupil.pk),
    ]
    assert not current_consent(pupil, Medium.PHOTO)
    assert current_consent(pupil, Medium.VIDEO)
    text = " ".join(messages_of(response))
    assert "withdrew consent" in text and "photographs" in text and "audio recordings" in text


def test_unchanged_answers_record_nothing(world, oak_carer):
    before = ConsentRecord.objects.count()

    response = oak_carer.post(consent_url(world.a.pupils["Oak"]), ALL_YES)

    assert response.status_code == 302
    assert ConsentRecord.objects.count() == before
    assert any("Nothing changed" in m for m in messages_of(response))


def test_repeated_submission_records_once(world, oak_carer):
    pupil = world.a.pupils["Oak"]
    before = ConsentRecord.objects.count()
    oak_carer.post(consent_url(pupil), answers(video="no"))
    oak_carer.post(consent_url(pupil), answers(video="no"))
    assert ConsentRecord.objects.count() == before + 1


def test_withdrawing_photo_consent_takes_the_post_down_at_once(world, oak_carer):
    oak, pupil, post = world.a.classes["Oak"], world.a.pupils["Oak"], world.a.posts["Oak"]
    page = oak_carer.get(oak.url).content.decode()
    assert "Oak news" in page
    renditions = RENDITION_SRC.findall(page)
    assert renditions
    assert oak_carer.get(renditions[0]).status_code == 200

    oak_carer.post(consent_url(pupil), answers(photo="no"))

    page = oak_carer.get(oak.url).content.decode()
    assert "Oak news" not in page
    assert not RENDITION_SRC.findall(page)
    assert oak_carer.get(renditions[0]).status_code == 404
    assert not StoryPostPage.objects.get(pk=post.pk).live
    # The other class's post is untouched.
    assert StoryPostPage.objects.get(pk=world.a.posts["Willow"].pk).live


def test_giving_consent_again_does_not_republish(world, oak_carer):
    oak, pupil, post = world.a.classes["Oak"], world.a.pupils["Oak"], world.a.posts["Oak"]
    oak_carer.post(consent_url(pupil), answers(photo="no"))

    response = oak_carer.post(consent_url(pupil), ALL_YES)

    latest = ConsentRecord.objects.filter(pupil=pupil, medium=Medium.PHOTO).first()
    assert latest.given is True and latest.recorded_by_id == world.a.carers["Oak"].pk
    assert current_consent(pupil, Medium.PHOTO)
    assert not StoryPostPage.objects.get(pk=post.pk).live
    assert "Oak news" not in oak_carer.get(oak.url).content.decode()
    assert any("stay down" in m for m in messages_of(response))


def test_carer_of_two_children_in_two_classes(world, client):
    oak_pupil, willow_pupil = world.a.pupils["Oak"], world.a.pupils["Willow"]
    carer = UserFactory(username="two.children")
    CarerLinkFactory(carer=carer, pupil=oak_pupil)
    CarerLinkFactory(carer=carer, pupil=willow_pupil)
    client.force_login(carer)

    listing = client.get(MY_CHILDREN)
    assert sorted(shown_pupils(listing)) == sorted([oak_pupil.pk, willow_pupil.pk])
    html = listing.content.decode()
    assert "Oak, 2026-27" in html and "Willow, 2026-27" in html
    assert "Rowankid" not in html

    client.post(consent_url(oak_pupil), answers(video="no"))
    client.post(consent_url(willow_pupil), answers(audio="no"))

    mine = ConsentRecord.objects.filter(recorded_by=carer)
    assert sorted(mine.values_list("pupil", "medium", "given")) == sorted(
        [(oak_pupil.pk, Medium.VIDEO, False), (willow_pupil.pk, Medium.AUDIO, False)]
    )
    assert current_consent(oak_pupil, Medium.AUDIO)
    assert current_consent(willow_pupil, Medium.VIDEO)


# --- someone else's child ------------------------------------------------------------


@pytest.mark.parametrize(("school", "class_name"), [("a", "Willow"), ("b", "Rowan")])
def test_forged_post_for_another_carers_child_is_404(world, oak_carer, caplog, school, class_name):
    target = getattr(world, school).pupils[class_name]
    carer = world.a.carers["Oak"]
    before = ConsentRecord.objects.count()

    with caplog.at_level(logging.WARNING, logger="class_pages.security"):
        response = oak_carer.post(consent_url(target), answers(photo="no", participation="no"))

    assert response.status_code == 404
    assert_private(response)
    assert ConsentRecord.objects.count() == before
    assert current_consent(target, Medium.PHOTO)
    assert StoryPostPage.objects.get(pk=getattr(world, school).posts[class_name].pk).live
    logged = [r for r in caplog.records if r.name == "class_pages.security"]
    assert len(logged) == 1
    line = logged[0].getMessage()
    assert logged[0].levelno == logging.WARNING
    assert str(carer.pk) in line and str(target.pk) in line
    for name in (target.first_name, target.last_name, carer.username, carer.last_name):
        assert name not in line


@pytest.mark.parametrize(("school", "class_name"), [("a", "Willow"), ("b", "Rowan")])
def test_another_carers_childs_form_is_404(world, oak_carer, school, class_name):
    target = getattr(world, school).pupils[class_name]
    response = oak_carer.get(consent_url(target))
    assert response.status_code == 404
    assert target.first_name not in response.content.decode()


def test_unknown_pupil_is_404(world, oak_carer):
    assert oak_carer.get("/my-children/999999/consent/").status_code == 404
    assert oak_carer.get("/my-children/abc/consent/").status_code == 404


# --- anonymous visitors --------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(world, client):
    pupil = world.a.pupils["Oak"]
    before = ConsentRecord.objects.count()

    assert_sign_in_redirect(client.get(MY_CHILDREN), MY_CHILDREN)
    assert_sign_in_redirect(client.get(consent_url(pupil)), consent_url(pupil))
    assert_sign_in_redirect(
        client.post(consent_url(pupil), answers(photo="no")), consent_url(pupil)
    )
    assert ConsentRecord.objects.count() == before


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"participation": "yes", "photo": "no"},
        answers(photo="maybe"),
        answers(video=""),
        answers(audio="<script>"),
        {"photo": ["yes", "no"]},
    ],
)
def test_bad_input_shows_the_form_again(world, oak_carer, data):
    pupil = world.a.pupils["Oak"]
    before = ConsentRecord.objects.count()

    response = oak_carer.post(consent_url(pupil), data)

    assert response.status_code == 200
    assert_private(response)
    assert response.context["form"].errors
    html = response.content.decode()
    assert "Please choose Yes or No." in html
    assert "Nothing was saved" in html
    assert "<script>" not in html.split("<main")[1]
    assert ConsentRecord.objects.count() == before


def test_other_methods_are_refused_privately(world, oak_carer):
    response = oak_carer.put(consent_url(world.a.pupils["Oak"]))
    assert response.status_code == 405
    assert_private(response)
    assert oak_carer.post(MY_CHILDREN).status_code == 405


# --- paper consent in the admin ------------------------------------------------------


def paper_form(pupil, medium=Medium.PHOTO, given="no", **extra):
    return {
        "pupil": pupil.pk,
        "medium": medium,
        "given": given,
        "valid_until": "",
        "note": "Paper form 2026/14, office file",
        **extra,
    }


def listed(response):
    return list(response.context["object_list"])


def test_office_records_paper_consent(world, client):
    office, pupil = world.a.office, world.a.pupils["Oak"]
    client.force_login(office)
    before = set(ConsentRecord.objects.values_list("pk", flat=True))

    response = client.post(
        reverse("consent_records:add"),
        # A forged recorder and method are ignored.
        paper_form(pupil, method="online", recorded_by=world.a.carers["Oak"].pk),
    )

    assert response.status_code == 302
    record = ConsentRecord.objects.exclude(pk__in=before).get()
    assert (record.pupil_id, record.medium, record.given) == (pupil.pk, Medium.PHOTO, False)
    assert record.method == ConsentRecord.Method.PAPER
    assert record.recorded_by_id == office.pk
    assert record.note == "Paper form 2026/14, office file"
    # A paper withdrawal takes the post down like an online one.
    assert not StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk).live


def test_paper_form_hides_recorder_and_method(world, client):
    client.force_login(world.a.office)
    form = client.get(reverse("consent_records:add")).context["form"]
    assert "recorded_by" not in form.fields
    assert "method" not in form.fields
    assert {"pupil", "medium", "given", "note"} <= set(form.fields)


def test_paper_form_needs_an_explicit_answer(world, client):
    client.force_login(world.a.office)
    before = ConsentRecord.objects.count()
    response = client.post(
        reverse("consent_records:add"), paper_form(world.a.pupils["Oak"], given="")
    )
    assert response.status_code == 200
    assert "given" in response.context["form"].errors
    assert ConsentRecord.objects.count() == before


def test_office_of_another_school_cannot_see_or_add(world, client):
    a_pupil = world.a.pupils["Oak"]
    a_record = ConsentRecord.objects.filter(pupil=a_pupil).first()
    client.force_login(world.b.office)
    before = ConsentRecord.objects.count()

    form_page = client.get(reverse("consent_records:add"))
    assert list(form_page.context["form"].fields["pupil"].queryset) == [world.b.pupils["Rowan"]]
    assert "Oakkid" not in form_page.content.decode()

    refused = client.post(reverse("consent_records:add"), paper_form(a_pupil))
    assert refused.status_code == 200
    assert "pupil" in refused.context["form"].errors
    assert ConsentRecord.objects.count() == before
    assert current_consent(a_pupil, Medium.PHOTO)

    index = client.get(reverse("consent_records:index"))
    assert index.status_code == 200
    assert {r.pupil_id for r in listed(index)} == {world.b.pupils["Rowan"].pk}
    assert "Oakkid" not in index.content.decode()
    for view in ("inspect", "history"):
        assert client.get(reverse(f"consent_records:{view}", args=[a_record.pk])).status_code == 404


@pytest.mark.parametrize("who", ["office", "leader", "superuser"])
def test_records_cannot_be_edited_or_deleted(world, client, who):
    record = ConsentRecord.objects.filter(pupil=world.a.pupils["Oak"], medium=Medium.PHOTO).first()
    if who == "superuser":
        user = UserFactory(username="root", is_superuser=True, is_staff=True)
    else:
        user = getattr(world.a, who)
    client.force_login(user)

    edit = reverse("consent_records:edit", args=[record.pk])
    delete = reverse("consent_records:delete", args=[record.pk])
    for response in (
        client.get(edit),
        client.post(edit, paper_form(world.a.pupils["Oak"], given="no")),
        client.get(delete),
        client.post(delete),
    ):
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"] == "/admin/"

    record.refresh_from_db()
    assert record.given is True and record.medium == Medium.PHOTO
    assert ConsentRecord.objects.filter(pk=record.pk).exists()
    index = client.get(reverse("consent_records:index")).content.decode()
    assert edit not in index
    assert delete not in index


def test_leader_sees_the_full_history(world, client):
    pupil = world.a.pupils["Oak"]
    give_consent(pupil, (Medium.PHOTO,), given=False, recorded_by=world.a.carers["Oak"])
    give_consent(
        pupil, (Medium.PHOTO,), given=True, method="paper", note="Form 7", recorded_by=None
    )
    client.force_login(world.a.leader)

    response = client.get(reverse("consent_records:index"))

    assert response.status_code == 200
    school_a = ConsentRecord.objects.filter(pupil__school=world.a.school)
    assert {r.pk for r in listed(response)} == set(school_a.values_list("pk", flat=True))
    photo_history = [r for r in listed(response) if r.pupil_id == pupil.pk and r.medium == "photo"]
    assert [r.given for r in photo_history] == [True, False, True]  # newest first
    assert "Rowankid" not in response.content.decode()

    latest = photo_history[0]
    inspect = client.get(reverse("consent_records:inspect", args=[latest.pk]))
    assert inspect.status_code == 200
    assert "Form 7" in inspect.content.decode()

    refused = client.post(reverse("consent_records:add"), paper_form(pupil))
    assert refused.status_code in (302, 403)
    assert current_consent(pupil, Medium.PHOTO)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"medium": "video"}, {("Oak", "video"), ("Willow", "video")}),
        ({"given": "false"}, {("Oak", "audio")}),
        ({"method": "paper"}, {("Willow", "photo")}),
        ({"q": "Willowkid"}, {("Willow", m) for m in ("participation", "photo", "video", "audio")}),
    ],
)
def test_history_filters_and_search(world, client, query, expected):
    give_consent(world.a.pupils["Oak"], (Medium.AUDIO,), given=False)
    give_consent(world.a.pupils["Willow"], (Medium.PHOTO,), method="paper")
    client.force_login(world.a.office)

    response = client.get(reverse("consent_records:index"), query)

    assert response.status_code == 200
    found = {(r.pupil.first_name.removesuffix("kid"), r.medium) for r in listed(response)}
    assert found == expected


@pytest.mark.parametrize("view", ["consent_records:index", "consent_records:add"])
def test_teacher_is_refused_consent_records(world, client, view):
    client.force_login(world.a.teachers["Oak"])
    before = ConsentRecord.objects.count()
    for response in (
        client.get(reverse(view)),
        client.post(reverse(view), paper_form(world.a.pupils["Oak"])),
    ):
        assert response.status_code in (302, 403)
        assert "Oakkid" not in response.content.decode()
    assert ConsentRecord.objects.count() == before
    assert current_consent(world.a.pupils["Oak"], Medium.PHOTO)
