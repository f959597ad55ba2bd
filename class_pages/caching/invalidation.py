"""What makes a cached story feed stale, wired to class_pages.caching.tokens: posts published,
unpublished, moved or deleted; photos and recordings a live post shows; a school's
settings; consent and access changes of its pupils and carers; and, for remembered file
decisions (class_pages.access.remembered), changes to a person or to staff permissions. Every
handler bumps tokens only: the next request decides and renders afresh."""

from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from class_pages.caching.tokens import PERMISSIONS_SCOPE, bump, feed_scope, school_scope, user_scope


def _parent_path(path):
    return path[: -Page.steplen]


def page_changed(sender, instance, **kwargs):
    """A page went live, came down or was deleted: its parent's feed and its school."""
    if instance.depth > 1:
        bump(feed_scope(_parent_path(instance.path)), school_scope(instance.path))


def page_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    bump(
        feed_scope(parent_page_before.path),
        feed_scope(parent_page_after.path),
        school_scope(parent_page_before.path),
        school_scope(parent_page_after.path),
    )


def _stored_file_changed(uses):
    """A photo or recording changed or goes: the feeds showing it, and their schools
    (whose token also guards remembered file decisions)."""
    paths = list(uses.values_list("post__path", flat=True))
    bump(*(feed_scope(_parent_path(path)) for path in paths), *map(school_scope, paths))


def image_changed(sender, instance, **kwargs):
    from class_pages.models import LiveImageUse

    _stored_file_changed(LiveImageUse.objects.filter(image_id=instance.pk))


def media_changed(sender, instance, **kwargs):
    from class_pages.models import LiveMediaUse

    _stored_file_changed(LiveMediaUse.objects.filter(media_id=instance.pk))


def school_settings_changed(sender, instance, created=False, **kwargs):
    if created:
        return  # made with the defaults on first use: the same feed as before
    root = Page.objects.filter(sites_rooted_here=instance.site_id).values_list("path", flat=True)
    bump(*(school_scope(path) for path in root))


def pupil_record_changed(sender, instance, **kwargs):
    """Consent given or withdrawn, a pupil renamed or erased: the whole school's feeds."""
    pupil = getattr(instance, "pupil", instance)
    school_path = Page.objects.filter(pk=pupil.school_id).values_list("path", flat=True)
    bump(*(school_scope(path) for path in school_path))


def class_access_changed(carer_id, class_page_ids):
    """Called by class_pages.access.sync_carer_access (its AccessChange rows are made in
    bulk, without signals) when it granted or revoked anything."""
    paths = Page.objects.filter(pk__in=class_page_ids).values_list("path", flat=True)
    bump(*(feed_scope(path) for path in paths), user_scope(carer_id))


def person_changed(sender, instance, **kwargs):
    """An account saved (disabled, password), a carer link changed: that person."""
    bump(user_scope(getattr(instance, "carer_id", instance.pk)))


def groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:  # group.user_set changed
        bump(*(user_scope(pk) for pk in pk_set or ()), PERMISSIONS_SCOPE)
    else:
        bump(user_scope(instance.pk))


def permissions_changed(sender, **kwargs):
    bump(PERMISSIONS_SCOPE)


def connect():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed
    from wagtail.models import GroupCollectionPermission

    from class_pages.models import CarerLink, ConsentRecord, Pupil, SchoolSettings

    page_published.connect(page_changed, dispatch_uid="cp_feed_published")
    page_unpublished.connect(page_changed, dispatch_uid="cp_feed_unpublished")
    post_delete.connect(page_changed, sender=Page, dispatch_uid="cp_feed_page_deleted")
    post_page_move.connect(page_moved, dispatch_uid="cp_feed_moved")
    image = get_image_model()
    post_save.connect(image_changed, sender=image, dispatch_uid="cp_feed_image_saved")
    # Before the delete: the uses go with the image (cascade).
    pre_delete.connect(image_changed, sender=image, dispatch_uid="cp_feed_image_deleted")
    media = get_document_model()
    post_save.connect(media_changed, sender=media, dispatch_uid="cp_feed_media_saved")
    pre_delete.connect(media_changed, sender=media, dispatch_uid="cp_feed_media_deleted")
    post_save.connect(
        school_settings_changed, sender=SchoolSettings, dispatch_uid="cp_feed_settings"
    )
    post_save.connect(pupil_record_changed, sender=ConsentRecord, dispatch_uid="cp_feed_consent")
    post_save.connect(pupil_record_changed, sender=Pupil, dispatch_uid="cp_feed_pupil_saved")
    post_delete.connect(pupil_record_changed, sender=Pupil, dispatch_uid="cp_feed_pupil_gone")
    user = get_user_model()
    post_save.connect(person_changed, sender=user, dispatch_uid="cp_files_user_saved")
    post_delete.connect(person_changed, sender=user, dispatch_uid="cp_files_user_deleted")
    post_save.connect(person_changed, sender=CarerLink, dispatch_uid="cp_files_link_saved")
    post_delete.connect(person_changed, sender=CarerLink, dispatch_uid="cp_files_link_gone")
    m2m_changed.connect(groups_changed, sender=user.groups.through, dispatch_uid="cp_files_groups")
    for model in (GroupCollectionPermission,):
        post_save.connect(permissions_changed, sender=model, dispatch_uid="cp_files_perm_saved")
        post_delete.connect(permissions_changed, sender=model, dispatch_uid="cp_files_perm_gone")
    m2m_changed.connect(
        permissions_changed, sender=Group.permissions.through, dispatch_uid="cp_files_group_perms"
    )
