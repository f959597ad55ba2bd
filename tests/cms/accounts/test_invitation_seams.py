"""Invitations are for one named adult at one address, and every road to an active carer
link goes through class_pages.register.carer_links: a forwarded link, a revoked carer, a
no-contact adult with an account of their own, two browsers making one account, and the
task queue that carries the e-mail (issue 14, hole 1 and part of 9)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from wagtail.models import ModelLogEntry

from class_pages.factories import PupilFactory, UserFactory, enrol
from class_pages.models import (
    CarerLink,
    ConsentRecord,
    Invitation,
    Medium,
    NoContactRestriction,
    current_consent,
)
from class_pages.register.carer_links import LinkRefused, link_carer, save_link
from class_pages.register.invitations import Refusal, redeem
from tests.cms.accounts.test_invitations import ACCOUNT

LINK = re.compile(r"(/invitations/[A-Za-z0-9_\-]+/)")
CONSENT = {"accept": "on", "participation": "yes", "photo": "yes", "video": "yes", "audio": "yes"}


@pytest.fixture
def pupil(world):
    pupil = PupilFactory(school=world.a.school, first_name="Zara", last_name="Quill")
    enrol(pupil, world.a.classes["Oak"])
    return pupil


def invite(world, pupil, email="pat@example.org", adult_name="Pat Quill"):
    office = Client()
    office.force_login(world.a.office)
    mail.outbox.clear()
    data = {
        "pupil": pupil.pk,
        "adult_name": adult_name,
        "email": email,
        "relationship": "parent",
        "has_responsibility": "on",
    }
    response = office.post(reverse("invitations:add"), data)
    assert response.status_code == 302, response.content[:400]
    return LINK.search(mail.outbox[-1].body).group(1)


def browser_of(user):
    browser = Client()
    browser.force_login(user)
    return browser


def test_a_forwarded_link_opened_by_another_account_links_nothing(world, pupil):
    link = invite(world, pupil)
    other = world.a.carers["Willow"]  # signed in, another address
    browser = browser_of(other)
    for response in (browser.get(link), browser.post(link, CONSENT)):
        assert response.status_code == 403
        text = response.content.decode()
        assert "for someone else" in text and "p•••@example.org" in text
        assert "pat@example.org" not in text
    assert not CarerLink.objects.filter(pupil=pupil).exists()
    assert not ConsentRecord.objects.filter(pupil=pupil).exists()
    assert Invitation.objects.get(pupil=pupil).status == "waiting"  # still Pat's to use
    assert browser.get(world.a.classes["Oak"].url).status_code == 404


def test_redeem_refuses_another_account_even_when_called_directly(world, pupil):
    invite(world, pupil)
    invitation = Invitation.objects.get(pupil=pupil)
    with pytest.raises(Refusal) as refused:
        redeem(invitation, world.a.carers["Willow"], {Medium.PARTICIPATION: True})
    assert refused.value.code == "other-account"
    assert Invitation.objects.get(pk=invitation.pk).used_at is None


def test_revoked_carer_does_not_get_back_in_through_another_adults_invitation(world):
    pupil = world.a.pupils["Oak"]
    revoked = world.a.carers["Oak"]
    link = CarerLink.objects.get(carer=revoked, pupil=pupil)
    link.status, link.end_reason = CarerLink.Status.REVOKED, CarerLink.EndReason.VIOLATION
    save_link(link)
    # An invitation to the other parent, forwarded to the revoked one.
    forwarded = invite(world, pupil, email="other.parent@example.org", adult_name="Kim Smith")
    browser = browser_of(revoked)
    assert browser.post(forwarded, CONSENT).status_code == 403
    # Even an invitation to the revoked carer's own address does not lift the revocation.
    own = invite(world, pupil, email=revoked.email, adult_name=revoked.get_full_name())
    response = browser.post(own, CONSENT)
    assert response.status_code == 403 and b"speak to the school" in response.content.lower()
    assert CarerLink.objects.get(pk=link.pk).status == CarerLink.Status.REVOKED
    assert browser.get(world.a.classes["Oak"].url).status_code == 404
    assert Invitation.objects.filter(pupil=pupil, used_at__isnull=False).count() == 0


def test_no_contact_adult_with_own_account_cannot_redeem(world, pupil):
    # The restriction names the adult; the invitation went out under another name to an
    # address that is theirs (a mistake, or a forwarded e-mail account).
    barred = UserFactory(
        username="barred", first_name="Lee", last_name="Quill", email="lee@example.org"
    )
    NoContactRestriction.objects.create(pupil=pupil, name="Lee Quill")
    link = invite(world, pupil, email="lee@example.org", adult_name="L. Q. family")
    browser = browser_of(barred)
    response = browser.post(link, CONSENT)
    assert response.status_code == 403
    assert not CarerLink.objects.filter(pupil=pupil).exists()
    assert not ConsentRecord.objects.filter(pupil=pupil).exists()
    with pytest.raises(LinkRefused):
        link_carer(barred, pupil)  # the register's own road refuses too


def test_recording_no_contact_ends_a_matching_link_at_once(world):
    pupil, carer = world.a.pupils["Oak"], world.a.carers["Oak"]
    browser = browser_of(carer)
    assert browser.get(world.a.classes["Oak"].url).status_code == 200
    NoContactRestriction.objects.create(pupil=pupil, email=carer.email.upper())
    link = CarerLink.objects.get(carer=carer, pupil=pupil)
    assert link.status == CarerLink.Status.REVOKED
    assert link.end_reason == CarerLink.EndReason.COURT_ORDER
    assert browser.get(world.a.classes["Oak"].url).status_code == 404
    assert ModelLogEntry.objects.filter(action="class_pages.carer_link_ended").exists()


def test_renamed_account_matching_a_restriction_loses_the_child(world):
    pupil, carer = world.a.pupils["Oak"], world.a.carers["Oak"]
    NoContactRestriction.objects.create(pupil=pupil, name="Jordan Barred")
    assert CarerLink.objects.get(carer=carer).status == CarerLink.Status.ACTIVE
    carer.first_name, carer.last_name = "Jordan", "Barred"
    carer.save()
    assert CarerLink.objects.get(carer=carer).status == CarerLink.Status.REVOKED


def test_an_active_link_cannot_be_saved_around_the_gate(world):
    link = CarerLink.objects.get(carer=world.a.carers["Oak"])
    link.status = CarerLink.Status.SUSPENDED
    save_link(link)
    link.status = CarerLink.Status.ACTIVE
    with pytest.raises(RuntimeError):
        link.save()
    with pytest.raises(LinkRefused):
        save_link(link)  # nobody in particular may lift a suspension
    assert CarerLink.objects.get(pk=link.pk).status == CarerLink.Status.SUSPENDED


def _suspended_oak_link(world):
    link = CarerLink.objects.get(carer=world.a.carers["Oak"])
    link.status, link.end_reason = CarerLink.Status.SUSPENDED, CarerLink.EndReason.VIOLATION
    save_link(link)
    return link


def _reactivate(user, link, reason=""):
    return browser_of(user).post(
        reverse("carer_links:edit", args=[link.pk]),
        {
            "carer_account": link.carer.username,
            "pupil": link.pupil_id,
            "relationship": link.relationship,
            "has_responsibility": "on",
            "status": CarerLink.Status.ACTIVE,
            "end_reason": "",
            "status_reason": reason,
        },
    )


def test_office_cannot_lift_a_suspension(world):
    link = _suspended_oak_link(world)
    response = _reactivate(world.a.office, link, reason="they said sorry")
    assert response.status_code == 200
    assert "Only a senior leader" in str(response.context["form"].errors)
    assert CarerLink.objects.get(pk=link.pk).status == CarerLink.Status.SUSPENDED


def test_a_leader_lifts_a_suspension_with_a_reason_and_it_is_logged(world):
    link = _suspended_oak_link(world)
    response = _reactivate(world.a.leader, link)
    assert response.status_code == 200
    assert "give the reason" in str(response.context["form"].errors)
    assert CarerLink.objects.get(pk=link.pk).status == CarerLink.Status.SUSPENDED

    response = _reactivate(world.a.leader, link, reason="Met the family; agreement signed again")
    assert response.status_code == 302
    link = CarerLink.objects.get(pk=link.pk)
    assert link.status == CarerLink.Status.ACTIVE and link.end_reason == ""
    entry = ModelLogEntry.objects.get(action="class_pages.carer_link_reinstated")
    assert entry.user_id == world.a.leader.pk and "agreement signed" in entry.data["reason"]
    assert browser_of(link.carer).get(world.a.classes["Oak"].url).status_code == 200


def test_another_schools_leader_cannot_lift_it(world):
    link = _suspended_oak_link(world)
    response = _reactivate(world.b.leader, link, reason="not theirs")
    assert response.status_code == 404
    assert CarerLink.objects.get(pk=link.pk).status == CarerLink.Status.SUSPENDED


def test_two_browsers_making_one_account_at_once_get_no_500(world, pupil):
    link = invite(world, pupil)
    # The other browser won the race a moment ago: its account holds the username this
    # form would create, under a spelling the e-mail check does not catch.
    UserFactory(username="pat@example.org", email="pat.old@example.org")
    response = Client().post(link, ACCOUNT)
    assert response.status_code == 200
    assert "already uses this e-mail address" in response.content.decode()
    assert get_user_model().objects.filter(username="pat@example.org").count() == 1


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_task_queue_never_holds_a_usable_link(world, pupil):
    # The production backend (cms.settings.production uses this one): the queued task's
    # stored arguments are an id and a base URL; the token is minted when it runs.
    office = Client()
    office.force_login(world.a.office)
    mail.outbox.clear()
    response = office.post(
        reverse("invitations:add"),
        {
            "pupil": pupil.pk,
            "adult_name": "Pat Quill",
            "email": "pat@example.org",
            "relationship": "parent",
            "has_responsibility": "on",
        },
    )
    assert response.status_code == 302 and not mail.outbox  # nothing sent in the request
    queued = DBTaskResult.objects.get(task_path__endswith="send_invitation_task")
    stored = str(queued.args_kwargs)
    from class_pages.register.invitations import send_invitation_task

    assert send_invitation_task.call(*queued.args_kwargs["args"]) == 1  # the worker
    token = LINK.search(mail.outbox[-1].body).group(1).split("/")[2]
    assert token not in stored
    assert not DBTaskResult.objects.filter(args_kwargs__icontains=token).exists()
    # The link in the e-mail works; only its hash is kept.
    assert Client().get(f"/invitations/{token}/").status_code == 200
    assert token not in str(Invitation.objects.filter(pupil=pupil).values())


def test_consent_given_through_a_link_does_not_overwrite_another_carers_no(world):
    # Hole 1's last step: answers from a second adult with responsibility never undo
    # the first adult's "no".
    pupil, first = world.a.pupils["Oak"], world.a.carers["Oak"]
    ConsentRecord.objects.create(pupil=pupil, medium=Medium.PHOTO, given=False, recorded_by=first)
    assert not current_consent(pupil, Medium.PHOTO)
    link = invite(world, pupil, email="second@example.org", adult_name="Sam Smith")
    second = UserFactory(username="second", email="second@example.org")
    assert browser_of(second).post(link, CONSENT).status_code == 302
    assert CarerLink.objects.get(carer=second).status == CarerLink.Status.ACTIVE
    assert not current_consent(pupil, Medium.PHOTO)
    assert current_consent(pupil, Medium.VIDEO)
