"""Issuing and redeeming carer invitations. Redeeming is atomic: exactly one request can
use an invitation; it links the adult to the pupil, records their consents and their
acceptance of the school's agreement, and the register then grants the class page.
(Guessing links is limited by the sign-in lockout: cms.invitation_views.)"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import (
    CarerLink,
    ConsentRecord,
    Invitation,
    Medium,
    SchoolPage,
)
from .models.invitations import token_hash
from .policy import accept, agreements_for


class InvitationUnusable(Exception):
    """The invitation was used, revoked or expired meanwhile."""


def refuse_if_no_contact(pupil, adult_name, email):
    for restriction in pupil.no_contact_restrictions.all():
        if restriction.matches(adult_name, email):
            raise ValidationError(
                "This person may not be given access to this pupil (a no-contact "
                "restriction is recorded). Speak to the designated safeguarding lead."
            )


@transaction.atomic
def issue_invitation(invitation, issued_by, link_base=None):
    """Save a new invitation (earlier waiting ones for the same pupil and e-mail are
    revoked), e-mail its link to the adult, and return the token (shown nowhere else)."""
    if not invitation.has_responsibility:
        raise ValidationError("Confirm that this adult has parental or care responsibility.")
    refuse_if_no_contact(invitation.pupil, invitation.adult_name, invitation.email)
    Invitation.objects.usable().filter(
        pupil=invitation.pupil, email__iexact=invitation.email
    ).update(revoked_at=timezone.now(), revoked_by=issued_by)
    token = invitation.new_token()
    invitation.issued_by = issued_by
    invitation.save()
    link = (link_base or settings.WAGTAILADMIN_BASE_URL).rstrip("/") + f"/invitations/{token}/"
    school = invitation.pupil.school
    body = render_to_string(
        "class_pages/mail/invitation.txt",
        {"invitation": invitation, "link": link, "school": school},
    )
    subject, _, text = body.strip().partition("\n")
    send_mail(subject.strip(), text.strip(), None, [invitation.email])
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


@transaction.atomic
def redeem(invitation, user, consents):
    """Use the invitation for `user` with the consent answers given ({medium: bool},
    participation required). Raises InvitationUnusable if another request got there
    first. Returns the CarerLink."""
    if not consents.get(Medium.PARTICIPATION):
        raise ValidationError("Taking part is needed to see the class pages.")
    claimed = (
        Invitation.objects.usable()
        .filter(pk=invitation.pk)
        .update(used_at=timezone.now(), used_by=user)
    )
    if claimed != 1:
        raise InvitationUnusable
    link, _ = CarerLink.objects.get_or_create(
        carer=user,
        pupil=invitation.pupil,
        defaults={"relationship": invitation.relationship},
    )
    if link.status != CarerLink.Status.ACTIVE:
        link.status, link.status_reason = CarerLink.Status.ACTIVE, "invitation redeemed"
        link.save()
    for medium, given in consents.items():
        # One by one, so a "no" that ends an earlier carer's "yes" takes posts down too.
        ConsentRecord.objects.create(
            pupil=invitation.pupil,
            medium=medium,
            given=bool(given),
            method=ConsentRecord.Method.ONLINE,
            recorded_by=user,
        )
    accept(user, school_agreements(invitation))
    return link
