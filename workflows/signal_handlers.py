"""Reactions to class_pages' signals: a new school or index gets the school's workflow;
withdrawn consent takes down every live post that shows the pupil in that medium; a post
going live for the first time queues the carers' e-mails."""

from django.db.models import Q
from wagtail.log_actions import log
from wagtail.signals import page_published

from class_pages.models import LiveImageUse, LiveMediaUse, Medium, StoryPostPage
from class_pages.signals import consent_withdrawn, school_structure_changed
from workflows.mail import send_consent_takedown
from workflows.notifications import delivery as notifications
from workflows.school_workflow import ensure_school_workflow

# Which stored media a withdrawn consent covers. Withdrawing participation covers all.
MEDIA_KINDS = {
    Medium.PHOTO: ("photo",),
    Medium.VIDEO: ("video",),
    Medium.AUDIO: ("audio",),
    Medium.PARTICIPATION: ("photo", "video", "audio"),
}


def school_changed(sender, school, **kwargs):
    ensure_school_workflow(school)


def posts_showing(pupil, medium):
    """Live posts whose live version shows the pupil in the given medium."""
    kinds = MEDIA_KINDS.get(medium, ())
    shown = Q(pk__in=[])
    if "photo" in kinds:
        images = LiveImageUse.objects.filter(image__pupils=pupil, post__live=True)
        shown |= Q(pk__in=images.values("post"))
    recordings = LiveMediaUse.objects.filter(
        media__pupils=pupil, media__kind__in=kinds, post__live=True
    )
    shown |= Q(pk__in=recordings.values("post"))
    return StoryPostPage.objects.filter(shown).order_by("pk")


def take_down_posts(sender, pupil, medium, record=None, **kwargs):
    for post in posts_showing(pupil, medium):
        post.unpublish(user=None, log_action=True)
        log(
            instance=post,
            action="workflows.consent_takedown",
            user=getattr(record, "recorded_by", None),
            data={"pupil_id": pupil.pk, "medium": medium},
        )
        send_consent_takedown(post, pupil, Medium(medium).label)


def post_went_live(sender, instance, **kwargs):
    notifications.post_published(instance)


def register():
    school_structure_changed.connect(school_changed, dispatch_uid="wf_school_changed")
    consent_withdrawn.connect(take_down_posts, dispatch_uid="wf_consent_withdrawn")
    page_published.connect(post_went_live, sender=StoryPostPage, dispatch_uid="wf_post_live")
