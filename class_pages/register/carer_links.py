"""The one road by which an adult becomes (or becomes again) a child's linked carer.

Every path that creates or reactivates a CarerLink (redeeming an invitation, the office's
form, the demo, later the register import and rollover) calls `save_link()`, and
`CarerLink.save()` refuses an active link that did not come through here. It refuses:

* an adult who matches any no-contact restriction of the pupil, by the account's full
  name, username or e-mail address, whatever name the invitation was issued to;
* reactivating a link the school suspended or revoked, unless a leader of the pupil's
  school (or a superuser) does it with a reason; that is logged.

Ending a link (suspend, revoke) needs no gate: access may always be taken away. Recording
a no-contact restriction ends every matching link at once (`end_links_matching()`), and so
does an account renamed to match one."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.log_actions import log

from class_pages.access.roles import leads_school
from class_pages.models import CarerLink, Medium, NoContactRestriction, consent_map
from class_pages.signals import consent_withdrawn

security_log = logging.getLogger("class_pages.security")

NO_CONTACT_MESSAGE = (
    "This person may not be given access to this pupil (a no-contact restriction is "
    "recorded). Speak to the designated safeguarding lead."
)
ENDED_MESSAGE = (
    "The school has ended this adult's access to this pupil's class pages. Only a senior "
    "leader can restore it, with a reason."
)


class LinkRefused(ValidationError):
    """The link may not be made active; `code` says why ("no-contact" or "ended")."""


def account_identities(user):
    """(name, e-mail) pairs a no-contact restriction is compared with: the account's full
    name and its username, each with its e-mail address."""
    email = user.email or ""
    names = {user.get_full_name(), user.get_username()}
    return [(name, email) for name in names if name] or [("", email)]


def matches_no_contact(user, pupil, restrictions=None):
    """True if any no-contact restriction of the pupil matches this account."""
    if restrictions is None:
        restrictions = NoContactRestriction.objects.filter(pupil=pupil)
    identities = account_identities(user)
    return any(
        restriction.matches(name, email)
        for restriction in restrictions
        for name, email in identities
    )


def may_reinstate(user, pupil):
    """Leaders of the pupil's school (and superusers) lift a suspension or revocation."""
    if user is None or not user.is_active:
        return False
    return user.is_superuser or leads_school(user, pupil.school)


def link_refusal(carer, pupil, stored_status=None, by=None, reason=""):
    """Why an active link of `carer` to `pupil` may not be saved (LinkRefused), or None.
    `stored_status`: the status of their existing link, if any."""
    if matches_no_contact(carer, pupil):
        return LinkRefused(NO_CONTACT_MESSAGE, code="no-contact")
    ended = stored_status not in (None, CarerLink.Status.ACTIVE)
    if ended and not (may_reinstate(by, pupil) and reason.strip()):
        return LinkRefused(ENDED_MESSAGE, code="ended")
    return None


def would_refuse(carer, pupil):
    """link_refusal() for linking this carer now, as nobody in particular."""
    stored = CarerLink.objects.filter(carer=carer, pupil=pupil).values_list("status", flat=True)
    return link_refusal(carer, pupil, stored.first())


@transaction.atomic
def save_link(link, by=None, reason="", source="register"):
    """Save `link` (new or changed). Raises LinkRefused if it would be active for someone
    the policy keeps out. Returns the link."""
    if link.status != CarerLink.Status.ACTIVE:
        link._through_carer_links = True
        link.save()
        return link
    locked = CarerLink.objects.select_for_update()
    if link.pk:
        stored = locked.filter(pk=link.pk).first()
    else:
        stored = locked.filter(carer=link.carer, pupil=link.pupil).first()
        if stored is not None:
            link.pk, link.created_at = stored.pk, stored.created_at
    stored_status = stored.status if stored is not None else None
    refusal = link_refusal(link.carer, link.pupil, stored_status, by, reason)
    if refusal is not None:
        security_log.warning(
            "carer_link_refused reason=%s user=%s pupil=%s source=%s",
            refusal.code,
            link.carer_id,
            link.pupil_id,
            source,
        )
        raise refusal
    reinstating = stored_status not in (None, CarerLink.Status.ACTIVE)
    if reinstating:
        link.end_reason, link.status_reason = "", reason.strip()[:255]
    gains_voice = link.has_responsibility and not (stored and stored.has_responsibility)
    link._through_carer_links = True
    link.save()
    if gains_voice:
        _their_no_now_counts(link.pupil)
    if reinstating:
        log(
            instance=link,
            action="class_pages.carer_link_reinstated",
            user=by,
            data={"reason": reason.strip()[:255], "was": stored_status},
        )
        security_log.warning(
            "carer_link_reinstated link=%s by=%s", link.pk, getattr(by, "pk", None)
        )
    return link


def _their_no_now_counts(pupil):
    """An adult's answers count from the moment they hold responsibility: a "no" they gave
    before may now stand, so posts showing the pupil come down as after any withdrawal."""
    media = list(Medium)
    consents = consent_map([pupil.pk], media)
    for medium in media:
        if not consents[(pupil.pk, medium)]:
            consent_withdrawn.send(sender=CarerLink, pupil=pupil, medium=medium, record=None)


def link_carer(carer, pupil, relationship=None, by=None, source="register", **fields):
    """The carer's link to the pupil, created or kept active. A link the school ended
    stays ended (LinkRefused)."""
    link = CarerLink.objects.filter(carer=carer, pupil=pupil).first() or CarerLink(
        carer=carer, pupil=pupil
    )
    if link.pk is None and relationship:
        link.relationship = relationship
    for name, value in fields.items():
        setattr(link, name, value)
    link.status = CarerLink.Status.ACTIVE
    return save_link(link, by=by, source=source)


def end_links_matching(restriction):
    """End every active link of the restriction's pupil held by an account it matches.
    Returns the links ended."""
    ended = []
    links = CarerLink.objects.filter(
        pupil_id=restriction.pupil_id, status=CarerLink.Status.ACTIVE
    ).select_related("carer", "pupil")
    for link in links:
        if matches_no_contact(link.carer, link.pupil, [restriction]):
            _end(link, "no-contact restriction recorded", restriction.recorded_by)
            ended.append(link)
    return ended


def end_links_of_account(user):
    """After an account changed (name, e-mail): end its links that now match a
    no-contact restriction of that pupil."""
    ended = []
    for link in CarerLink.objects.filter(carer=user, status=CarerLink.Status.ACTIVE):
        if matches_no_contact(user, link.pupil):
            _end(link, "account matches a no-contact restriction", None)
            ended.append(link)
    return ended


def _end(link, why, by):
    link.status = CarerLink.Status.REVOKED
    link.end_reason = CarerLink.EndReason.COURT_ORDER
    link.status_reason = why
    save_link(link)
    log(instance=link, action="class_pages.carer_link_ended", user=by, data={"reason": why})
    security_log.warning("carer_link_ended_no_contact link=%s", link.pk)
