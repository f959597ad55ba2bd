"""Keeps derived state in step with the register and the page tree: carers' grants,
school/class wiring, and the record of images used by live posts."""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.images import get_image_model
from wagtail.signals import page_published, page_unpublished

from class_pages import access
from class_pages.access.two_factor import needs_two_factor
from class_pages.lifecycle import school_setup
from class_pages.media import cleanup as media_cleanup
from class_pages.media.faces import remember_face_count
from class_pages.media.post_media import allowed_media_ids
from class_pages.models import (
    CarerLink,
    ClassIndexPage,
    ClassPage,
    ConsentRecord,
    Enrolment,
    LiveImageUse,
    LiveMediaUse,
    NoContactRestriction,
    Pupil,
    SchoolPage,
    SchoolStoryIndexPage,
    SignedInSession,
    StoryPostPage,
)
from class_pages.models.accounts import LAST_SEEN_RECORDED, NEEDS_TWO_FACTOR, SIGNED_IN_AT
from class_pages.models.consent import current_consent
from class_pages.register import carer_links
from class_pages.signals import consent_withdrawn, school_structure_changed


def school_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        school_setup.setup_school(instance)
        school_structure_changed.send(sender=SchoolPage, school=instance)


def school_index_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        if isinstance(instance, ClassIndexPage):
            school_setup.setup_class_index(instance)
        school = SchoolPage.for_page(instance)
        if school is not None:
            school_structure_changed.send(sender=sender, school=school)


def class_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        school = SchoolPage.for_page(instance)
        if school is not None:
            school_setup.setup_class(instance, school)


def carer_link_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        reason = f"carer link {instance.get_status_display().lower()}"
        if instance.end_reason:
            reason += f": {instance.get_end_reason_display().lower()}"
        access.sync_carer_access(instance.carer, reason=reason)


# Users whose deletion is in progress: their grants go with them by cascade, so there is
# nothing to re-derive (and no log row may point at a user about to vanish).
_users_being_deleted = set()


def user_deleting(sender, instance, **kwargs):
    _users_being_deleted.add(instance.pk)


def user_deleted(sender, instance, **kwargs):
    _users_being_deleted.discard(instance.pk)


def carer_link_deleted(sender, instance, **kwargs):
    if instance.carer_id not in _users_being_deleted:
        access.sync_carer_access(instance.carer, reason="carer link deleted")


def enrolment_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        access.sync_carers_of_pupils([instance.pupil_id], reason="enrolment changed")


def pupil_changed(sender, instance, created, raw=False, **kwargs):
    if not (created or raw):
        access.sync_carers_of_pupils([instance.pk], reason="pupil record changed")


def no_contact_recorded(sender, instance, raw=False, **kwargs):
    """A no-contact restriction ends every matching link of that pupil at once."""
    if not raw:
        carer_links.end_links_matching(instance)


def user_changed(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    # A renamed account that now matches a no-contact restriction loses that child.
    carer_links.end_links_of_account(instance)
    if instance.carer_links.exists() or access.granted_class_ids(instance):
        access.sync_carer_access(instance, reason="account changed")
    if not instance.is_active:
        end_sessions(instance)


def end_sessions(user):
    """End every tracked session of a user (a disabled account is signed out everywhere),
    through the session engine, so it works with db, cache and cached_db alike.

    No scan of the session table as a fallback: an untracked session (one from before
    tracking began) of a disabled account is harmless, since the auth backend refuses
    inactive users on every request (ModelBackend.user_can_authenticate)."""
    SignedInSession.objects.filter(user=user).end_all("account disabled")


def signed_in(sender, request, user, **kwargs):
    """Track the new session, and decide once whether it must pass two-factor sign-in
    (cms.accounts.two_factor reads the answer from the session)."""
    if SignedInSession.record(request, user) is not None:
        request.session[NEEDS_TWO_FACTOR] = needs_two_factor(user)
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        # The row is fresh: the idle-timeout middleware need not touch it for a while.
        request.session[LAST_SEEN_RECORDED] = now


def signed_out(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        SignedInSession.objects.filter(session_key=session.session_key).delete()


def consent_recorded(sender, instance, created, raw=False, **kwargs):
    """A "no" after which the pupil may not appear in that medium (consent_in_force) takes
    down whatever live post still shows them, even if the consent had already lapsed."""
    if raw or not created or instance.given:
        return
    if not current_consent(instance.pupil, instance.medium):
        consent_withdrawn.send(
            sender=ConsentRecord, pupil=instance.pupil, medium=instance.medium, record=instance
        )


def image_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.detected_faces is None and instance.file:
        remember_face_count(instance)


def post_published(sender, instance, **kwargs):
    """Record exactly the images and recordings the live version of the post shows and
    may use (post_media): a foreign id in a stream is never served to a carer."""
    LiveImageUse.objects.filter(post=instance).delete()
    LiveMediaUse.objects.filter(post=instance).delete()
    images, recordings = allowed_media_ids(
        access.guarding_page(instance), instance.image_ids(), instance.media_ids()
    )
    LiveImageUse.objects.bulk_create(
        [LiveImageUse(post=instance, image_id=pk) for pk in sorted(images)]
    )
    LiveMediaUse.objects.bulk_create(
        [LiveMediaUse(post=instance, media_id=pk) for pk in sorted(recordings)]
    )


def post_deleting(sender, instance, **kwargs):
    media_cleanup.remember_media_of(instance)


def post_deleted(sender, instance, **kwargs):
    media_cleanup.delete_orphaned_media(instance)


def post_unpublished(sender, instance, **kwargs):
    LiveImageUse.objects.filter(post=instance).delete()
    LiveMediaUse.objects.filter(post=instance).delete()


def register():
    post_save.connect(school_created, sender=SchoolPage, dispatch_uid="cp_school_created")
    for model in (ClassIndexPage, SchoolStoryIndexPage):
        post_save.connect(
            school_index_created, sender=model, dispatch_uid=f"cp_index_created_{model.__name__}"
        )
    post_save.connect(class_created, sender=ClassPage, dispatch_uid="cp_class_created")
    post_save.connect(carer_link_changed, sender=CarerLink, dispatch_uid="cp_link_saved")
    post_delete.connect(carer_link_deleted, sender=CarerLink, dispatch_uid="cp_link_deleted")
    post_save.connect(
        no_contact_recorded, sender=NoContactRestriction, dispatch_uid="cp_no_contact_saved"
    )
    post_save.connect(enrolment_changed, sender=Enrolment, dispatch_uid="cp_enrolment_saved")
    post_delete.connect(enrolment_changed, sender=Enrolment, dispatch_uid="cp_enrolment_deleted")
    post_save.connect(pupil_changed, sender=Pupil, dispatch_uid="cp_pupil_saved")
    post_save.connect(user_changed, sender=get_user_model(), dispatch_uid="cp_user_saved")
    pre_delete.connect(user_deleting, sender=get_user_model(), dispatch_uid="cp_user_deleting")
    post_delete.connect(user_deleted, sender=get_user_model(), dispatch_uid="cp_user_deleted")
    post_save.connect(consent_recorded, sender=ConsentRecord, dispatch_uid="cp_consent_saved")
    post_save.connect(image_saved, sender=get_image_model(), dispatch_uid="cp_image_saved")
    pre_delete.connect(post_deleting, sender=StoryPostPage, dispatch_uid="cp_post_deleting")
    post_delete.connect(post_deleted, sender=StoryPostPage, dispatch_uid="cp_post_deleted")
    page_published.connect(post_published, sender=StoryPostPage, dispatch_uid="cp_post_live")
    page_unpublished.connect(post_unpublished, sender=StoryPostPage, dispatch_uid="cp_post_down")
    user_logged_in.connect(signed_in, dispatch_uid="cp_session_signed_in")
    user_logged_out.connect(signed_out, dispatch_uid="cp_session_signed_out")
