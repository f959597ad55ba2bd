"""What makes a cached story feed stale, wired to class_pages.feed_cache: posts published,
unpublished, moved or deleted; photos and recordings a live post shows; a school's settings;
consent and access changes of its pupils and carers. Every handler bumps tokens only: the
next request renders afresh."""

from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .feed_cache import bump, feed_scope, school_scope


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


def image_changed(sender, instance, **kwargs):
    from .models import LiveImageUse

    uses = LiveImageUse.objects.filter(image_id=instance.pk).values_list("post__path", flat=True)
    bump(*(feed_scope(_parent_path(path)) for path in uses))


def media_changed(sender, instance, **kwargs):
    from .models import LiveMediaUse

    uses = LiveMediaUse.objects.filter(media_id=instance.pk).values_list("post__path", flat=True)
    bump(*(feed_scope(_parent_path(path)) for path in uses))


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


def access_changed(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        path = Page.objects.filter(pk=instance.class_page_id).values_list("path", flat=True)
        bump(*(feed_scope(p) for p in path))


def connect():
    from .models import AccessChange, ConsentRecord, Pupil, SchoolSettings

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
    post_save.connect(access_changed, sender=AccessChange, dispatch_uid="cp_feed_access")
