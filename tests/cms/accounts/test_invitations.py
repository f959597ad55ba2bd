"""Invitations, from the office's admin to the carer seeing the class page: issue,
redeem (new or existing account), reuse, expiry, revocation, tampering, no-contact
refusal, rate limit, and what the consent form grants."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from class_pages.factories import PupilFactory, UserFactory, enrol
from class_pages.models import CarerLink, ConsentRecord, Invitation, Medium, NoContactRestriction
from class_pages.register.carer_links import link_carer
from class_pages.register.invitations import InvitationUnusable, redeem

LINK = re.compile(r"(/invitations/[A-Za-z0-9_\-]+/)")


@pytest.fixture
def new_pupil(world):
    pupil = PupilFactory(school=world.a.school, first_name="Zara", last_name="Quill")
    enrol(pupil, world.a.classes["Oak"])
    return pupil


def issue(client, world, pupil, **overrides):
    client.force_login(world.a.office)
    data = {
        "pupil": pupil.pk,
        "adult_name": "Pat Quill",
        "email": "pat@example.org",
        "relationship": "parent",
        "has_responsibility": "on",
        **overrides,
    }
    return client.post(reverse("invitations:add"), data)


def issued_link(client, world, pupil, **overrides):
    mail.outbox.clear()
    response = issue(client, world, pupil, **overrides)
    assert response.status_code == 302, response.content[:500]
    assert len(mail.outbox) == 1
    return LINK.search(mail.outbox[0].body).group(1)


CONSENT = {"accept": "on", "participation": "yes", "photo": "no", "video": "yes", "audio": "yes"}
ACCOUNT = {
    "first_name": "Pat",
    "last_name": "Quill",
    "password": "long enough passphrase 7",
    "password_again": "long enough passphrase 7",
}


def test_office_issues_an_invitation_by_email(world, client, new_pupil):
    link = issued_link(client, world, new_pupil)
    invitation = Invitation.objects.get(pupil=new_pupil)
    token = link.split("/")[2]
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert invitation.issued_by == world.a.office and invitation.status == "waiting"
    assert (invitation.expires_at - timezone.now()).days in (13, 14)
    assert mail.outbox[0].to == ["pat@example.org"] and "<img" not in mail.outbox[0].body


def test_invitation_needs_the_responsibility_declaration(world, client, new_pupil):
    response = issue(client, world, new_pupil, has_responsibility="")
    assert response.status_code == 200
    assert "has_responsibility" in response.context["form"].errors
    assert not Invitation.objects.exists() and not mail.outbox


@pytest.mark.parametrize("field", ["name", "email"])
def test_no_contact_restriction_refuses_the_invitation(world, client, new_pupil, field):
    NoContactRestriction.objects.create(
        pupil=new_pupil,
        **({"name": "pat  QUILL"} if field == "name" else {"email": "PAT@example.org"}),
    )
    response = issue(client, world, new_pupil)
    assert response.status_code == 200
    assert "no-contact" in str(response.context["form"].errors)
    assert not Invitation.objects.exists() and not mail.outbox


def test_office_cannot_invite_for_another_schools_pupil(world, client):
    response = issue(client, world, world.b.pupils["Rowan"])
    assert response.status_code == 200 and "pupil" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_new_carer_redeems_and_sees_the_class(world, client, new_pupil):
    link = issued_link(client, world, new_pupil)
    carer = Client()
    assert b"create your account" in carer.get(link).content.lower()
    response = carer.post(link, ACCOUNT)
    assert response.status_code == 302 and response["Location"] == link
    user = get_user_model().objects.get(email="pat@example.org")
    assert user.check_password(ACCOUNT["password"]) and not user.is_staff
    assert b"agreement" in carer.get(link).content.lower()
    response = carer.post(link, CONSENT)
    assert response.status_code == 302 and response["Location"] == reverse("my_classes")
    link_row = CarerLink.objects.get(carer=user, pupil=new_pupil)
    assert link_row.status == CarerLink.Status.ACTIVE
    given = dict(ConsentRecord.objects.filter(pupil=new_pupil).values_list("medium", "given"))
    assert given == {"participation": True, "photo": False, "video": True, "audio": True}
    assert carer.get(world.a.classes["Oak"].url).status_code == 200
    assert carer.get(world.a.classes["Willow"].url).status_code == 404
    # Used once: the same link now grants nothing, not even a second account.
    anonymous = Client()
    assert anonymous.get(link).status_code == 404
    assert anonymous.post(link, {**ACCOUNT}).status_code == 404
    assert get_user_model().objects.filter(email="pat@example.org").count() == 1


def test_existing_account_adds_the_child(world, client, new_pupil):
    willow_carer = world.a.carers["Willow"]
    link = issued_link(client, world, new_pupil, email=willow_carer.email)
    carer = Client()
    carer.force_login(willow_carer)
    assert carer.post(link, CONSENT).status_code == 302
    listed = carer.get("/my-classes/").content.decode()
    assert world.a.classes["Oak"].title in listed and world.a.classes["Willow"].title in listed


def test_email_with_an_account_must_sign_in(world, client, new_pupil):
    link = issued_link(client, world, new_pupil, email=world.a.carers["Willow"].email)
    response = Client().post(link, ACCOUNT)
    assert response.status_code == 200 and b"Sign in to it instead" in response.content
    assert not CarerLink.objects.filter(pupil=new_pupil).exists()


def test_no_participation_grants_nothing_and_keeps_the_link(world, client, new_pupil):
    link = issued_link(client, world, new_pupil)
    carer = Client()
    carer.post(link, ACCOUNT)
    response = carer.post(link, {**CONSENT, "participation": "no"})
    assert response.status_code == 200 and b"Without taking part" in response.content
    assert not CarerLink.objects.filter(pupil=new_pupil).exists()
    assert Invitation.objects.get(pupil=new_pupil).status == "waiting"


def test_missing_answers_are_a_clear_message(world, client, new_pupil):
    link = issued_link(client, world, new_pupil)
    carer = Client()
    carer.post(link, ACCOUNT)
    response = carer.post(link, {"participation": "maybe"})
    assert response.status_code == 200
    assert b"Please accept the agreement" in response.content
    assert not CarerLink.objects.filter(pupil=new_pupil).exists()


@pytest.mark.parametrize("spoil", ["expired", "revoked", "tampered", "truncated", "reissued"])
def test_spoilt_links_grant_nothing(world, client, new_pupil, spoil):
    link = issued_link(client, world, new_pupil)
    invitation = Invitation.objects.get(pupil=new_pupil)
    if spoil == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))
    elif spoil == "revoked":
        client.post(reverse("invitations:edit", args=[invitation.pk]), {"revoke": "on"})
        assert Invitation.objects.get(pk=invitation.pk).status == "revoked"
    elif spoil == "tampered":
        link = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    elif spoil == "truncated":
        link = link[:-10] + "/"
    else:
        issued_link(client, world, new_pupil)  # a new one replaces the old
    response = Client().get(link)
    assert response.status_code == 404
    assert b"can't be used" in response.content
    assert not CarerLink.objects.filter(pupil=new_pupil).exists()


def test_redemption_race_has_one_winner(world, client, new_pupil):
    issued_link(client, world, new_pupil)
    invitation = Invitation.objects.get(pupil=new_pupil)
    # Two browsers of the invited adult (two accounts at the invited address, say).
    first = UserFactory(username="first.adult", email="pat@example.org")
    second = UserFactory(username="second.adult", email="pat@example.org")
    consents = {Medium.PARTICIPATION: True, Medium.PHOTO: True}
    redeem(invitation, first, consents)
    with pytest.raises(InvitationUnusable):
        redeem(invitation, second, consents)  # the stale copy the other request holds
    assert list(
        CarerLink.objects.filter(pupil=new_pupil).values_list("carer__username", flat=True)
    ) == ["first.adult"]


def test_redemption_attempts_are_rate_limited(world, settings):
    # Guesses count as failed sign-ins (axes): the one reaching the limit is locked out.
    limit = settings.AXES_FAILURE_LIMIT
    browser = Client()
    answers = [browser.get(f"/invitations/guess{i}/").status_code for i in range(25)]
    assert answers[: limit - 1] == [404] * (limit - 1)
    assert set(answers[limit - 1 :]) == {429}


def test_disabling_an_account_ends_all_its_sessions(world):
    carer = world.a.carers["Oak"]
    phone, laptop = Client(), Client()
    phone.force_login(carer)
    laptop.force_login(carer)
    assert phone.get("/my-classes/").status_code == 200
    carer.is_active = False
    carer.save()
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(carer.pk)
    ]
    response = laptop.get(world.a.classes["Oak"].url)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_carers_never_reach_the_admin(world):
    carer = Client()
    carer.force_login(world.a.carers["Oak"])
    response = carer.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_password_reset_by_email_without_revealing_accounts(world):
    browser = Client()
    known = browser.post("/password-reset/", {"email": world.a.carers["Oak"].email})
    unknown = browser.post("/password-reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1 and "/password-reset/" in mail.outbox[0].body


def test_pupils_have_no_accounts():
    from class_pages.models import Pupil

    assert not [
        f for f in Pupil._meta.get_fields() if getattr(f, "related_model", None) is get_user_model()
    ]


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(db):
    user = get_user_model().objects.create_user("hash.check", password="a long passphrase 123")
    assert user.password.startswith("argon2")


def test_two_children_in_two_classes_then_one_leaves(world, new_pupil):
    carer = world.a.carers["Willow"]
    link_carer(carer=carer, pupil=new_pupil)  # second child, in Oak
    browser = Client()
    browser.force_login(carer)
    listed = browser.get("/my-classes/").content.decode()
    assert world.a.classes["Oak"].title in listed and world.a.classes["Willow"].title in listed
    new_pupil.left_on = timezone.localdate()
    new_pupil.save()
    listed = browser.get("/my-classes/").content.decode()
    assert world.a.classes["Oak"].title not in listed
    assert world.a.classes["Willow"].title in listed
    assert browser.get(world.a.classes["Oak"].url).status_code == 404
