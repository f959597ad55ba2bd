"""The carers' calendar: reminders, events and home-learning deadlines of the classes (and
whole-school stories) a person may see, as a page (/calendar/) and as a private iCal
feed (/calendar/<token>.ics) that phones subscribe to.

Both are built by `calendar_entries()` from the same rules as the pages themselves
(class_pages.access), evaluated on every request: for the feed, for the owner of the
token at the time the phone fetches it. A link whose owner is disabled answers 404 like
an unknown one; an owner who has lost sight of a class simply stops getting its events.
The iCal text is written by hand (RFC 5545): only titles, dates, the short plain body
and the post's address go out, never photos or tagged pupils."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from class_pages.access import can_view_page, visible_classes
from class_pages.access.roles import schools_of
from class_pages.agreements import pending_agreements
from class_pages.http import private_response
from class_pages.models import (
    CalendarFeed,
    CarerLink,
    SchoolPage,
    SchoolStoryIndexPage,
    StoryPostPage,
)
from class_pages.tree import parent_path_by_depth_sql

CALENDAR_KINDS = (
    StoryPostPage.Kind.REMINDER,
    StoryPostPage.Kind.EVENT,
    StoryPostPage.Kind.HOME_LEARNING,
)
RECENT_DAYS = 7  # past events stay on the calendar (greyed) this long
DESCRIPTION_CHARS = 300
# What secrets.token_urlsafe() makes; anything else is not a token of ours.
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


# --- what is on the calendar -----------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    post: StoryPostPage
    where: str  # the class, or "<school> (whole school)"
    url: str | None  # relative when on the request's own site
    full_url: str | None

    @property
    def day(self):
        return self.post.event_date


def visible_parents(user):
    """{path: label} of the live class pages and whole-school story indexes whose posts
    this user may see right now."""
    parents = {page.path: page.title for page in visible_classes(user).live().order_by("path")}
    schools = SchoolPage.objects.all() if user.is_superuser else schools_of(user)
    for school in schools.order_by("path"):
        index = SchoolStoryIndexPage.objects.child_of(school).live().first()
        if index is not None and can_view_page(user, index):
            parents[index.path] = _("%(school)s (whole school)") % {"school": school.title}
    return parents


def calendar_entries(user, request, today=None):
    """Live reminder, event and home-learning posts dated from RECENT_DAYS ago on, that
    the user may see, in date order."""
    if not (user.is_authenticated and user.is_active):
        return []
    today = today or timezone.localdate()
    parents = visible_parents(user)
    if not parents:
        return []
    posts = (
        StoryPostPage.objects.live()
        .filter(kind__in=CALENDAR_KINDS, event_date__gte=today - timedelta(days=RECENT_DAYS))
        .annotate(parent_path=parent_path_by_depth_sql())
        .filter(parent_path__in=list(parents))
        .order_by("event_date", "title", "pk")
    )
    return [
        CalendarEntry(
            post=post,
            where=parents[post.parent_path],
            url=post.get_url(request),
            full_url=post.get_full_url(request),
        )
        for post in posts
    ]


# --- the page --------------------------------------------------------------------------


def may_have_feed(user):
    """Calendar links are for carers (an account with an active link to a pupil). Staff
    sign in with a second factor; a bearer link would go round it."""
    return (
        user.is_active
        and not user.is_superuser
        and CarerLink.objects.active().filter(carer=user).exists()
    )


def feed_urls(request, token):
    https = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


def calendar(request):
    """GET: the calendar. POST `action=make` makes (or replaces) the carer's calendar link
    and shows it, this once; `action=revoke` turns it off."""
    if request.method not in ("GET", "HEAD", "POST"):
        return private_response(HttpResponseNotAllowed(["GET", "HEAD", "POST"]))
    if not request.user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    user = request.user
    new_link = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "make" and may_have_feed(user):
            token = CalendarFeed.issue(user)[1]
            new_link = feed_urls(request, token)
        elif action == "revoke":
            if CalendarFeed.objects.filter(user=user).delete()[0]:
                messages.success(
                    request,
                    _(
                        "Your calendar link is turned off. Calendars subscribed to it get "
                        "nothing more from the class pages."
                    ),
                )
            return private_response(redirect("calendar"))
        else:
            return private_response(redirect("calendar"))

    today = timezone.localdate()
    entries = calendar_entries(user, request, today)
    context = {
        "today": today,
        "sections": _sections(entries, today),
        "recent_days": RECENT_DAYS,
        "may_have_feed": may_have_feed(user),
        "feed": CalendarFeed.objects.filter(user=user).first(),
        "new_link": new_link,
    }
    return private_response(render(request, "class_pages/calendar.html", context))


def _sections(entries, today):
    """ "Coming up" (always shown), then the last RECENT_DAYS days if anything was on."""

    def days(chosen):
        return [(day, list(items)) for day, items in groupby(chosen, key=lambda e: e.day)]

    sections = [
        {"id": "upcoming", "past": False, "days": days(e for e in entries if e.day >= today)}
    ]
    recent = days(e for e in entries if e.day < today)
    if recent:
        sections.append({"id": "recent", "past": True, "days": recent})
    return sections


# --- the iCal feed ---------------------------------------------------------------------


@require_safe
def calendar_feed(request, token):
    """The owner's calendar as text/calendar. Unknown token or disabled owner: 404."""
    feed = CalendarFeed.for_token(token) if TOKEN.fullmatch(token) else None
    if feed is None or not feed.user.is_active:
        raise Http404
    owner = feed.user
    # Like every page: nothing until the owner has accepted their school's agreement.
    entries = [] if pending_agreements(owner) else calendar_entries(owner, request)
    feed.record_fetch()
    response = HttpResponse(
        ical_calendar(entries, timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="class-pages.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return private_response(response)


def ical_calendar(entries, now):
    """The VCALENDAR text (str, CRLF line endings) of these entries."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Class pages//Calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Class pages",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
    ]
    for entry in entries:
        lines.extend(ical_event(entry, now))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def ical_event(entry, now):
    post = entry.post
    host = urlsplit(entry.full_url).hostname if entry.full_url else None
    changed = post.last_published_at or now
    paragraphs = (" ".join(line.split()) for line in post.body.splitlines())
    body = Truncator("\n".join(line for line in paragraphs if line)).chars(DESCRIPTION_CHARS)
    description = f"{entry.where} · {post.get_kind_display()}" + (f"\n\n{body}" if body else "")
    lines = [
        "BEGIN:VEVENT",
        f"UID:story-post-{post.pk}@{host or 'class-pages'}",
        f"DTSTAMP:{ical_datetime(now)}",
        f"LAST-MODIFIED:{ical_datetime(changed)}",
        f"DTSTART;VALUE=DATE:{ical_date(post.event_date)}",
        f"DTEND;VALUE=DATE:{ical_date(post.event_date + timedelta(days=1))}",
        f"SUMMARY:{escape_text(post.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"CATEGORIES:{escape_text(post.get_kind_display())}",
        "TRANSP:TRANSPARENT",
    ]
    if entry.full_url:
        lines.append(f"URL:{strip_controls(entry.full_url)}")
    lines.append("END:VEVENT")
    return lines


def ical_date(day: date):
    return day.strftime("%Y%m%d")


def ical_datetime(moment: datetime):
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_controls(value):
    """TEXT may not hold control characters other than tab (newlines are escaped)."""
    return CONTROLS.sub("", value)


def escape_text(value):
    """RFC 5545 3.3.11: backslash, semicolon, comma and newline escaped."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    value = strip_controls(value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line, limit=75):
    """RFC 5545 3.1: lines longer than 75 octets continue on lines that start with one
    space; a UTF-8 character is never split."""
    if len(line.encode()) <= limit:
        return line
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)
