"""Issuing and redeeming carer invitations.

An invitation is for one named adult at one address. Its link is not a bearer token: it
can only be redeemed by an account with that address (a new account made from the link
gets it; an existing account must already have it), and only through
`carer_links.link_carer()`, which refuses anyone matching a no-contact restriction of the
pupil and never reactivates a link the school suspended or revoked.

Redemption asks for proofs (`PROOFS`): today that the signed-in account holds the invited
address. A printed letter (no address to prove) will add a proof of a fact the school
holds (e.g. the child's date of birth), checked by the same loop before anything is
linked.

The e-mail is sent by a background task that mints the token itself: the task queue
holds only the invitation's id, never a usable link, and only the token's hash is stored.
Redeeming is atomic: exactly one request can use an invitation. (Guessing links is
limited by the sign-in lockout: cms.accounts.invitations.)"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from class_pages.agreements import accept, agreements_for
from class_pages.models import (
    ConsentRecord,
    Invitation,
    Medium,
    SchoolPage,
)
from class_pages.models.invitations import token_hash
from class_pages.register.carer_links import (
    NO_CONTACT_MESSAGE,
    LinkRefused,
    link_carer,
    would_refuse,
)


class InvitationUnusable(Exception):
    """The invitation was used, revoked or expired meanwhile."""


def refuse_if_no_contact(pupil, adult_name, email):
    for restriction in pupil.no_contact_restrictions.all():
        if restriction.matches(adult_name, email):
            raise ValidationError(NO_CONTACT_MESSAGE)


@transaction.atomic
def issue_invitation(invitation, issued_by, link_base=None):
    """Save a new invitation (earlier waiting ones for the same pupil and e-mail are
    revoked) and queue the e-mail that carries its link. Returns the invitation."""
    if not invitation.has_responsibility:
        raise ValidationError("Confirm that this adult has parental or care responsibility.")
    refuse_if_no_contact(invitation.pupil, invitation.adult_name, invitation.email)
    Invitation.objects.usable().filter(
        pupil=invitation.pupil, email__iexact=invitation.email
    ).update(revoked_at=timezone.now(), revoked_by=issued_by)
    invitation.new_token()  # a placeholder nobody knows: the task mints the real one
    invitation.issued_by = issued_by
    invitation.save()
    base = (link_base or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    send_invitation_task.enqueue(invitation.pk, base)
    return invitation


@task()
def send_invitation_task(invitation_id, link_base):
    """Mint the invitation's token and e-mail its link (1), or nothing if the invitation
    was revoked or used meanwhile (0). The token exists only in this task's memory and
    the e-mail."""
    invitation = (
        Invitation.objects.usable().select_related("pupil__school").filter(pk=invitation_id).first()
    )
    if invitation is None:
        return 0
    token = deliver_token(invitation)
    link = f"{link_base}/invitations/{token}/"
    body = render_to_string(
        "class_pages/mail/invitation.txt",
        {"invitation": invitation, "link": link, "school": invitation.pupil.school},
    )
    subject, _, text = body.strip().partition("\n")
    return send_mail(subject.strip(), text.strip(), None, [invitation.email])


def deliver_token(invitation):
    """A fresh token for a waiting invitation (the earlier one stops working)."""
    token = invitation.new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=invitation.token_hash)
    return token


def revoke_invitation(invitation, by):
    Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )


def find_usable(token):
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.usable()
        .select_related("pupil", "pupil__school")
        .filter(token_hash=token_hash(token))
        .first()
    )


def school_agreements(invitation):
    return list(agreements_for(SchoolPage.objects.filter(pk=invitation.pupil.school_id)))


# --- who may redeem --------------------------------------------------------------


class Refusal(ValidationError):
    """Why this account may not redeem this invitation; `code` names the reason."""


def holds_invited_address(invitation, user):
    """The account must hold the address the invitation was sent to."""
    if (user.email or "").casefold().strip() != invitation.email.casefold().strip():
        return Refusal(
            "This invitation is for another adult, at another e-mail address.",
            code="other-account",
        )
    return None


def not_kept_out(invitation, user):
    """The register's rule (carer_links): no no-contact restriction matches the account,
    and the school has not ended its link to this child."""
    refused = would_refuse(user, invitation.pupil)
    return Refusal(refused.messages[0], code=refused.code) if refused else None


# Checked in order, before the consent form is shown and again when redeeming.
PROOFS = (holds_invited_address, not_kept_out)


def refusal_for(invitation, user):
    """The first reason this account may not redeem the invitation, or None."""
    for proof in PROOFS:
        refusal = proof(invitation, user)
        if refusal is not None:
            return refusal
    return None


@transaction.atomic
def redeem(invitation, user, consents):
    """Use the invitation for `user` with the consent answers given ({medium: bool},
    participation required). Raises Refusal if this account may not use it (nothing is
    changed, the invitation stays waiting), InvitationUnusable if another request got
    there first. Returns the CarerLink."""
    if not consents.get(Medium.PARTICIPATION):
        raise ValidationError("Taking part is needed to see the class pages.")
    refusal = refusal_for(invitation, user)
    if refusal is not None:
        raise refusal
    claimed = (
        Invitation.objects.usable()
        .filter(pk=invitation.pk)
        .update(used_at=timezone.now(), used_by=user)
    )
    if claimed != 1:
        raise InvitationUnusable
    try:
        link = link_carer(
            user,
            invitation.pupil,
            relationship=invitation.relationship,
            source="invitation",
            has_responsibility=invitation.has_responsibility,
        )
    except LinkRefused as refused:
        raise Refusal(refused.messages[0], code=refused.code) from refused
    for medium, given in consents.items():
        # One by one, so a "no" that ends a consent in force takes posts down too.
        ConsentRecord.objects.create(
            pupil=invitation.pupil,
            medium=medium,
            given=bool(given),
            method=ConsentRecord.Method.ONLINE,
            recorded_by=user,
        )
    accept(user, school_agreements(invitation))
    return link
