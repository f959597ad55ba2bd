"""Carers' e-mails about new posts: each carer's choice per place they follow as a carer
(a class page, or their school's whole-school story): an e-mail per new post, one daily
digest, or none; the record of which carer was told about which post, so nobody is told
twice; the signed one-click unsubscribe token; and the two background tasks.

Who is told is decided when the e-mail is sent, never when the post was approved: the
post must still be live, and the carer must still see its place (class_pages.access).
E-mails are plain text with links only: never a photo, an attachment, or a pupil's name
beyond what the post's own text says."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django_tasks import task
from wagtail.models import Page

from class_pages.access import can_view_page, granted_class_ids, guarding_page, visible_classes
from class_pages.models import (
    CarerLink,
    ClassPage,
    ClassPageUserObjectPermission,
    SchoolPage,
    SchoolStoryIndexPage,
    StoryPostPage,
)

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "workflows.notifications.unsubscribe"
EXCERPT_LINES = 3
EXCERPT_CHARS = 300
DIGEST_HOURS = 24


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", "An e-mail for each new post"
    DAILY = "daily", "One e-mail a day with the day's new posts"
    NONE = "none", "No e-mails"


DEFAULT_FREQUENCY = Frequency.IMMEDIATE


class NotificationPreference(models.Model):
    """How often one carer hears about new posts in one place (a ClassPage or a
    SchoolStoryIndexPage). No row means the default (an e-mail for each new post)."""

    carer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    place = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=DEFAULT_FREQUENCY
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carer", "place"], name="unique_notification_choice")
        ]

    def __str__(self):
        return f"{self.carer} · {self.place}: {self.get_frequency_display()}"


class SentNotification(models.Model):
    """A carer was e-mailed about a post (alone or in a digest): the claim that makes every
    send idempotent. Written before the e-mail leaves and removed if sending fails."""

    class Kind(models.TextChoices):
        IMMEDIATE = "immediate", "Immediate"
        DAILY = "daily", "Daily digest"

    carer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(
        "class_pages.StoryPostPage", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carer", "post"], name="unique_post_notification")
        ]

    def __str__(self):
        return f"{self.carer} told about {self.post_id} ({self.kind})"


class NotificationsFailed(Exception):
    """Some e-mails could not be sent; their claims were released so a rerun retries."""


# --- places and who follows them -------------------------------------------------------


def is_place(page):
    return isinstance(page, ClassPage | SchoolStoryIndexPage)


def place_name(place):
    if isinstance(place, SchoolStoryIndexPage):
        school = SchoolPage.for_page(place)
        return f"{place.title}, {school.title}" if school else place.title
    return place.title


def _carer_links_at(school):
    return CarerLink.objects.active().filter(pupil__school=school, pupil__left_on__isnull=True)


def is_carer_of_place(user, place):
    """The user follows the place as a carer: a grant on the class (derived from their
    children's enrolments), or an active link to a current pupil of the school."""
    if isinstance(place, ClassPage):
        return place.pk in granted_class_ids(user)
    school = SchoolPage.for_page(place)
    return school is not None and _carer_links_at(school).filter(carer=user).exists()


def may_hear_about(user, place):
    return user.is_active and is_carer_of_place(user, place) and can_view_page(user, place)


def carer_places(user):
    """[(school, [place, ...]), ...]: the live places the user sees as a carer, the
    whole-school story first. Staff see more classes, but e-mails are for carers only:
    leaders and teachers already see every post in the admin."""
    if not (user.is_authenticated and user.is_active):
        return []
    classes = visible_classes(user).live().filter(pk__in=granted_class_ids(user))
    schools = SchoolPage.objects.filter(
        pk__in=CarerLink.objects.active()
        .filter(carer=user, pupil__left_on__isnull=True)
        .values("pupil__school")
    ).order_by("title", "pk")
    grouped = {}
    for school in schools:
        stories = SchoolStoryIndexPage.objects.child_of(school).live()
        grouped[school.pk] = (school, [s for s in stories if can_view_page(user, s)])
    for class_page in classes.order_by("title", "pk"):
        school = SchoolPage.for_page(class_page)
        if school is not None:
            grouped.setdefault(school.pk, (school, []))[1].append(class_page)
    return [(school, places) for school, places in grouped.values() if places]


def carers_following(place):
    """Active carers with an e-mail address who follow the place (access is checked
    again by the caller at send time)."""
    if isinstance(place, ClassPage):
        holders = ClassPageUserObjectPermission.objects.filter(
            content_object=place, permission__codename="view_classpage"
        ).values("user")
    else:
        school = SchoolPage.for_page(place)
        if school is None:
            return []
        holders = _carer_links_at(school).values("carer")
    users = get_user_model().objects.filter(pk__in=holders, is_active=True).exclude(email="")
    return [user for user in users.order_by("pk") if may_hear_about(user, place)]


def frequencies(carers, place):
    chosen = dict(
        NotificationPreference.objects.filter(place=place, carer__in=carers).values_list(
            "carer_id", "frequency"
        )
    )
    return {carer.pk: chosen.get(carer.pk, DEFAULT_FREQUENCY) for carer in carers}


def frequency_for(carer, place):
    return frequencies([carer], place)[carer.pk]


def set_frequency(carer, place, frequency):
    NotificationPreference.objects.update_or_create(
        carer=carer, place=place, defaults={"frequency": frequency}
    )


def open_place(post):
    """The place of a live post if carers could read the post there now, else None."""
    if post is None or not post.live:
        return None
    if Page.objects.ancestor_of(post).filter(depth__gte=2, live=False).exists():
        return None
    guard = guarding_page(post)
    return guard if guard is not None and guard.live and is_place(guard) else None


# --- links -----------------------------------------------------------------------------


def _upgrade(url):
    """Behind the production proxy every link is https, whatever the Site's port says."""
    if settings.SECURE_SSL_REDIRECT and url.startswith("http://"):
        return "https://" + url[len("http://") :]
    return url


def https(url):
    """Mail providers act on a one-click List-Unsubscribe URL only if it is https."""
    return "https://" + url.split("://", 1)[1] if url.startswith("http://") else url


def site_root(page):
    site = page.get_site()
    root = site.root_url if site is not None else settings.WAGTAILADMIN_BASE_URL
    return _upgrade(root.rstrip("/"))


def unsubscribe_token(carer, places):
    return signing.dumps(
        [carer.pk, sorted(place.pk for place in places)], salt=UNSUBSCRIBE_SALT, compress=True
    )


def read_unsubscribe_token(token):
    """(carer, [places]) from a token this site signed, or None for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not (
        isinstance(data, list)
        and len(data) == 2
        and isinstance(data[0], int)
        and isinstance(data[1], list)
        and data[1]
        and all(isinstance(pk, int) for pk in data[1])
    ):
        return None
    carer = get_user_model().objects.filter(pk=data[0]).first()
    places = [page for page in Page.objects.filter(pk__in=data[1]).specific() if is_place(page)]
    if carer is None or not places:
        return None
    return carer, places


def unsubscribe_url(carer, places):
    token = unsubscribe_token(carer, places)
    return site_root(places[0]) + reverse("notification_unsubscribe", args=[token])


def preferences_url(place):
    return site_root(place) + reverse("notifications")


def post_url(post):
    url = post.get_full_url()
    return _upgrade(url) if url else site_root(post) + "/"


def excerpt(post, one_line=False):
    """The first lines of the post's own text (never more than it says)."""
    lines = [line.strip() for line in (post.body or "").splitlines() if line.strip()]
    text = (" " if one_line else "\n").join(lines[:EXCERPT_LINES])
    return Truncator(text).chars(EXCERPT_CHARS if not one_line else EXCERPT_CHARS // 2)


# --- e-mails ---------------------------------------------------------------------------


def _message(template, context, carer, header_unsubscribe_url):
    subject, _, body = render_to_string(template, context).strip().partition("\n")
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        to=[carer.email],
        headers={
            "List-Unsubscribe": f"<{https(header_unsubscribe_url)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    return message


def new_post_message(carer, post, place):
    stop = unsubscribe_url(carer, [place])
    context = {
        "post": post,
        "place_name": place_name(place),
        "school": SchoolPage.for_page(place),
        "excerpt": excerpt(post),
        "post_url": post_url(post),
        "preferences_url": preferences_url(place),
        "unsubscribe_url": stop,
    }
    return _message("workflows/notifications/new_post_mail.txt", context, carer, stop)


def digest_message(carer, items):
    """One e-mail listing (place, post) items, grouped by place in first-seen order."""
    groups = {}
    for place, post in items:
        group = groups.setdefault(
            place.pk,
            {
                "place": place,
                "name": place_name(place),
                "school": SchoolPage.for_page(place),
                "unsubscribe_url": unsubscribe_url(carer, [place]),
                "posts": [],
            },
        )
        group["posts"].append(
            {"post": post, "excerpt": excerpt(post, one_line=True), "url": post_url(post)}
        )
    places = [group["place"] for group in groups.values()]
    stop_all = unsubscribe_url(carer, places)
    context = {
        "groups": list(groups.values()),
        "count": len(items),
        "names": Truncator("; ".join(group["name"] for group in groups.values())).chars(120),
        "preferences_url": preferences_url(places[0]),
        "unsubscribe_all_url": stop_all,
    }
    return _message("workflows/notifications/digest_mail.txt", context, carer, stop_all)


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
