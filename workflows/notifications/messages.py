"""What a carer is told: the e-mail about one new post, the daily digest, and the links
they carry (the post, the carer's choices page, and the signed one-click unsubscribe
link, which works without signing in because the token is the authority). Plain text,
links only: a post's title, its place and the first lines of its own text, nothing more."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator
from wagtail.models import Page

from class_pages.models import SchoolPage
from workflows.notifications.following import is_place, place_name

# Unchanged since the links were first sent: tokens already in carers' inboxes must verify.
UNSUBSCRIBE_SALT = "workflows.notifications.unsubscribe"
EXCERPT_LINES = 3
EXCERPT_CHARS = 300


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
