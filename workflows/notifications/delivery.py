"""Who is told about which post, once: the e-mail for each new post, queued when a post
is first published and sent from a background task, and the daily digest (a task, or
`manage.py send_digests`). Every send first claims the carer-post pairs (SentNotification)
under a lock on the carer, so two runs never tell anyone twice, and releases the claim if
the e-mail cannot leave, so a rerun retries. Who is told is decided at send time: the
post must still be live in an open place, and the carer must still see it."""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from class_pages.models import StoryPostPage
from workflows.models.notifications import Frequency, SentNotification
from workflows.notifications.following import carers_following, frequencies, open_place
from workflows.notifications.messages import digest_message, new_post_message

logger = logging.getLogger(__name__)

DIGEST_HOURS = 24


class NotificationsFailed(Exception):
    """Some e-mails could not be sent; their claims were released so a rerun retries."""


def _claim(carer, posts, kind):
    """Record the posts this carer has not yet been told about; returns those."""
    with transaction.atomic():
        # One sender per carer at a time, so two runs cannot both claim a post.
        get_user_model().objects.select_for_update().filter(pk=carer.pk).first()
        told = set(
            SentNotification.objects.filter(
                carer=carer, post__in=[p.pk for p in posts]
            ).values_list("post_id", flat=True)
        )
        fresh = [post for post in posts if post.pk not in told]
        SentNotification.objects.bulk_create(
            [SentNotification(carer=carer, post=post, kind=kind) for post in fresh]
        )
    return fresh


def _deliver(carer, posts, kind, build):
    """Claim, build the e-mail from the claimed posts, send; release the claim if sending
    fails. Returns 1 if an e-mail left, 0 if there was nothing new to tell."""
    fresh = _claim(carer, posts, kind)
    if not fresh:
        return 0
    try:
        build(fresh).send()
    except Exception:
        SentNotification.objects.filter(carer=carer, post__in=[p.pk for p in fresh]).delete()
        raise
    return 1


def _deliver_all(jobs):
    """Run (carer, posts, kind, build) jobs; a failure for one carer does not stop the
    others, and is raised at the end so the task shows as failed."""
    sent, failed = 0, []
    for carer, posts, kind, build in jobs:
        try:
            sent += _deliver(carer, posts, kind, build)
        except Exception:
            logger.exception("Could not e-mail carer %s about new posts", carer.pk)
            failed.append(carer.pk)
    if failed:
        raise NotificationsFailed(f"{len(failed)} e-mail(s) not sent; {sent} sent")
    return sent


def send_new_post_emails(post_id):
    """E-mail every carer who may read the post now and chose an e-mail for each post."""
    post = StoryPostPage.objects.filter(pk=post_id).first()
    place = open_place(post)
    if place is None:
        return 0
    carers = carers_following(place)
    chosen = frequencies(carers, place)
    return _deliver_all(
        (
            carer,
            [post],
            SentNotification.Kind.IMMEDIATE,
            lambda fresh, carer=carer: new_post_message(carer, fresh[0], place),
        )
        for carer in carers
        if chosen[carer.pk] == Frequency.IMMEDIATE
    )


def send_digests(now=None, hours=DIGEST_HOURS):
    """One e-mail per carer who chose the daily digest for a place with posts first
    published in the `hours` before `now`; posts a carer was already told about are left
    out, so a rerun sends nothing twice. Returns the number of e-mails sent."""
    now = now or timezone.now()
    posts = StoryPostPage.objects.live().filter(
        first_published_at__gt=now - timedelta(hours=hours), first_published_at__lte=now
    )
    by_place = {}
    for post in posts.order_by("first_published_at", "pk"):
        place = open_place(post)
        if place is not None:
            by_place.setdefault(place.pk, (place, []))[1].append(post)
    per_carer = {}
    for place, place_posts in by_place.values():
        carers = carers_following(place)
        chosen = frequencies(carers, place)
        for carer in carers:
            if chosen[carer.pk] == Frequency.DAILY:
                entry = per_carer.setdefault(carer.pk, (carer, []))
                entry[1].extend((place, post) for post in place_posts)

    def build(carer, items):
        def from_fresh(fresh):
            wanted = {post.pk for post in fresh}
            return digest_message(carer, [(pl, po) for pl, po in items if po.pk in wanted])

        return from_fresh

    return _deliver_all(
        (carer, [post for _, post in items], SentNotification.Kind.DAILY, build(carer, items))
        for carer, items in per_carer.values()
    )


# --- tasks and the publish hook ----------------------------------------------------------


@task()
def notify_new_post_task(post_id):
    return send_new_post_emails(post_id)


@task()
def send_digests_task():
    return send_digests()


def is_first_publication(post):
    return post.first_published_at is not None and (
        post.first_published_at == post.last_published_at
    )


def post_published(post):
    """A post went live: on its first publication only (not an edit published again),
    queue the e-mails once the publishing transaction has committed."""
    if not is_first_publication(post):
        return
    post_id = post.pk
    transaction.on_commit(lambda: notify_new_post_task.enqueue(post_id), robust=True)
