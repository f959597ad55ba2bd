"""The calendar (/calendar/) and each carer's private iCal feed (/calendar/<token>.ics):
which dates each person sees, the RFC 5545 text of the feed, the link's life (made on
demand, shown once, replaced, turned off) and access decided at fetch time."""

import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from class_pages.factories import ClassImageFactory, StoryPostPageFactory
from class_pages.models import (
    CalendarFeed,
    CarerLink,
    Enrolment,
    PolicyPage,
    SchoolStoryIndexPage,
    StoryPostPage,
)
from class_pages.register.carer_links import link_carer
from class_pages.site.calendar import escape_text, fold, ical_calendar
from tests.helpers import assert_private, shared_rows

Kind = StoryPostPage.Kind
EVENT_LINK = re.compile(r'<li class="calendar-event[^"]*">\s*<a href="([^"]+)">([^<]+)</a>')
FEED_URL = re.compile(r"(https?|webcal)://testserver/calendar/([A-Za-z0-9_-]+)\.ics")


# --- helpers ---------------------------------------------------------------------------


def today():
    return timezone.localdate()


def dated(parent, title, days, kind=Kind.EVENT, **kwargs):
    """A post on `parent` dated `days` from today (published unless published=False)."""
    return StoryPostPageFactory(
        parent=parent, title=title, kind=kind, event_date=today() + timedelta(days=days), **kwargs
    )


def local_url(post):
    """The root-relative URL of a post of School A (whose site answers "testserver")."""
    return post.get_url_parts()[2]


def story_of(ns):
    return SchoolStoryIndexPage.objects.child_of(ns.school).get()


@shared_rows
def dated_posts(world):
    """Dated posts around both schools, made once for the module: {title: id}."""
    a, b = world.a, world.b
    oak = a.classes["Oak"]
    posts = [
        dated(oak, "Oak trip", 3),
        dated(oak, "Oak PE kit", 0, kind=Kind.REMINDER),
        dated(oak, "Oak spellings", 10, kind=Kind.HOME_LEARNING),
        dated(oak, "Oak assembly", -3),
        dated(oak, "Oak long ago", -8),
        dated(oak, "Oak draft trip", 2, published=False),
        dated(oak, "Oak learning", 1, kind=Kind.LEARNING),
        dated(oak, "Oak celebration", 1, kind=Kind.CELEBRATION),
        StoryPostPageFactory(parent=oak, title="Oak undated", kind=Kind.REMINDER),
        dated(a.classes["Willow"], "Willow trip", 3),
        dated(story_of(a), "Alder sports day", 5),
        dated(b.classes["Rowan"], "Rowan trip", 3),
        dated(story_of(b), "Birch fair", 5),
    ]
    return {post.title: post.pk for post in posts}


@pytest.fixture
def dates(world, dated_posts):
    """The dated posts, freshly loaded; keys are titles."""
    posts = StoryPostPage.objects.in_bulk(dated_posts.values())
    return {title: posts[pk] for title, pk in dated_posts.items()}


OAK_CARER_SEES = {"Oak trip", "Oak PE kit", "Oak spellings", "Oak assembly", "Alder sports day"}


def shown(response):
    """{title: href} of the events listed on a calendar page."""
    assert response.status_code == 200
    return {title: href for href, title in EVENT_LINK.findall(response.content.decode())}


def section(response, name):
    html = response.content.decode()
    start = html.find(f'id="{name}-heading"')
    if start == -1:
        return ""
    return html[start : html.find("</section>", start)]


def make_link(client, secure=True):
    """POST "make" on the calendar page; returns (response, token)."""
    response = client.post("/calendar/", {"action": "make"}, secure=secure)
    assert response.status_code == 200
    tokens = {token for _, token in FEED_URL.findall(response.content.decode())}
    assert len(tokens) == 1
    return response, tokens.pop()


def feed(client, token):
    return client.get(f"/calendar/{token}.ics")


def unfolded_lines(content):
    text = content.decode("utf-8")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def events(content):
    """The VEVENTs of an iCal text, each a {name-with-params: value} dict."""
    found, current = [], None
    for line in unfolded_lines(content):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


def unescape(value):
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def summaries(content):
    return {unescape(event["SUMMARY"]) for event in events(content)}


# --- the calendar page -----------------------------------------------------------------


def test_carer_sees_exactly_their_classes_dates(world, client, dates):
    client.force_login(world.a.carers["Oak"])
    response = client.get("/calendar/")
    assert_private(response)
    listed = shown(response)
    assert set(listed) == OAK_CARER_SEES
    for title, href in listed.items():
        assert href == local_url(dates[title])
    assert set(EVENT_LINK.findall(section(response, "recent"))) == {
        (local_url(dates["Oak assembly"]), "Oak assembly")
    }
    assert "Oak assembly" not in section(response, "upcoming")
    html = response.content.decode()
    for title in OAK_CARER_SEES:
        day = dates[title].event_date.isoformat()
        assert f'<time datetime="{day}">' in html
    # One heading per day, days in order.
    days = re.findall(r'<h3><time datetime="([0-9-]+)">', html)
    upcoming_days = re.findall(r'<time datetime="([0-9-]+)">', section(response, "upcoming"))
    assert upcoming_days == sorted(upcoming_days) and len(days) == len(set(days)) == 5


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("carer:Willow", {"Willow trip", "Alder sports day"}),
        ("carer:Rowan", {"Rowan trip", "Birch fair"}),
        ("teacher:Oak", OAK_CARER_SEES),
        ("leader:a", OAK_CARER_SEES | {"Willow trip"}),
        ("leader:b", {"Rowan trip", "Birch fair"}),
    ],
)
def test_everyone_sees_only_what_they_may_see(world, client, dates, who, expected):
    role, _, name = who.partition(":")
    if role == "leader":
        user = getattr(world, name).leader
    else:
        ns = world.a if name in world.a.classes else world.b
        user = getattr(ns, role + "s")[name]
    client.force_login(user)
    response = client.get("/calendar/", HTTP_HOST="testserver")
    assert set(shown(response)) == expected


def test_links_to_another_schools_site_are_absolute(world, client, dates):
    carer = world.a.carers["Oak"]
    link_carer(carer=carer, pupil=world.b.pupils["Rowan"])
    client.force_login(carer)
    listed = shown(client.get("/calendar/"))
    assert set(listed) == OAK_CARER_SEES | {"Rowan trip", "Birch fair"}
    assert listed["Rowan trip"] == dates["Rowan trip"].full_url
    assert listed["Rowan trip"].startswith("http://other.test/")
    assert listed["Oak trip"] == local_url(dates["Oak trip"])


def test_a_draft_change_to_a_live_post_is_not_shown(world, client, dates):
    post = dates["Oak trip"]
    post.title = "Oak trip moved (draft)"
    post.event_date = today() + timedelta(days=4)
    post.save_revision()
    client.force_login(world.a.carers["Oak"])
    response = client.get("/calendar/")
    assert "Oak trip" in shown(response)
    assert "draft" not in response.content.decode()


def test_unpublished_post_leaves_the_calendar(world, client, dates):
    dates["Oak trip"].unpublish()
    client.force_login(world.a.carers["Oak"])
    assert set(shown(client.get("/calendar/"))) == OAK_CARER_SEES - {"Oak trip"}


def test_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get("/calendar/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/sign-in/"
    assert parse_qs(location.query)["next"] == ["/calendar/"]
    assert_private(response)


def test_nothing_on_says_so(world, client):
    client.force_login(world.a.carers["Oak"])
    response = client.get("/calendar/")
    assert shown(response) == {}
    assert "Nothing coming up yet" in response.content.decode()
    assert section(response, "recent") == ""


def test_signed_in_people_have_the_nav_link(world, client):
    client.force_login(world.a.carers["Oak"])
    assert b'<a href="/calendar/">Calendar</a>' in client.get("/my-classes/").content


# --- the calendar link: made on demand, shown once, replaced, turned off ---------------


def test_carer_makes_a_link_and_sees_it_once(world, client, dates):
    carer = world.a.carers["Oak"]
    client.force_login(carer)
    before = client.get("/calendar/")
    assert "Make my calendar link" in before.content.decode()
    assert not FEED_URL.search(before.content.decode())

    response, token = make_link(client)
    assert_private(response)
    html = response.content.decode()
    assert f"https://testserver/calendar/{token}.ics" in html
    assert f'href="webcal://testserver/calendar/{token}.ics"' in html
    assert len(token) >= 43  # 256 random bits

    # Only its hash is kept: the page cannot show it again.
    again = client.get("/calendar/").content.decode()
    assert token not in again and not FEED_URL.search(again)
    assert "Make a new link" in again and "Turn off my calendar link" in again
    feed_row = CalendarFeed.objects.get(user=carer)
    assert feed_row.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_the_database_holds_no_token(world, client):
    client.force_login(world.a.carers["Oak"])
    _, token = make_link(client)
    client.get("/calendar/")
    assert feed(client, token).status_code == 200

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (table names from the DB)
            for row in cursor.fetchall():
                assert token not in repr(row), table


def test_tokens_are_random_and_the_stored_hash_opens_nothing(world, client):
    tokens = {CalendarFeed.issue(world.a.carers[name])[1] for name in ("Oak", "Willow")}
    tokens |= {CalendarFeed.issue(world.a.carers["Oak"])[1] for _ in range(5)}
    assert len(tokens) == 7
    for row in CalendarFeed.objects.all():
        assert feed(client, row.token_hash).status_code == 404


def test_making_a_new_link_replaces_the_old_one(world, client, dates):
    client.force_login(world.a.carers["Oak"])
    _, old = make_link(client)
    assert feed(client, old).status_code == 200
    _, new = make_link(client)
    assert new != old
    assert CalendarFeed.objects.filter(user=world.a.carers["Oak"]).count() == 1
    gone = feed(client, old)
    assert gone.status_code == 404
    assert_private(gone)
    response = feed(client, new)
    assert response.status_code == 200
    assert summaries(response.content) == OAK_CARER_SEES


def test_turning_the_link_off_makes_it_404(world, client, dates):
    client.force_login(world.a.carers["Oak"])
    _, token = make_link(client)
    response = client.post("/calendar/", {"action": "revoke"})
    assert response.status_code == 302 and response["Location"] == "/calendar/"
    assert_private(response)
    assert not CalendarFeed.objects.exists()
    page = client.get("/calendar/").content.decode()
    assert "Your calendar link is turned off" in page
    assert "Make my calendar link" in page
    client.logout()  # a phone's calendar has no session
    gone = feed(client, token)
    assert gone.status_code == 404
    assert_private(gone)


def test_staff_get_no_link(world, client):
    teacher = world.a.teachers["Oak"]
    client.force_login(teacher)
    assert "Subscribe on your phone" not in client.get("/calendar/").content.decode()
    response = client.post("/calendar/", {"action": "make"})
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()


def test_link_changes_need_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.carers["Oak"])
    assert client.post("/calendar/", {"action": "make"}).status_code == 403
    assert not CalendarFeed.objects.exists()


# --- the feed ----------------------------------------------------------------------------


@pytest.fixture
def oak_feed(world, dates):
    """The Oak carer's feed token (made directly; the page is tested above)."""
    return CalendarFeed.issue(world.a.carers["Oak"])[1]


def test_feed_is_private_utf8_icalendar(client, oak_feed):
    response = feed(client, oak_feed)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert_private(response)
    assert "Set-Cookie" not in response


def test_feed_structure_follows_rfc_5545(world, client, dates, oak_feed):
    content = feed(client, oak_feed).content
    assert content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert content.endswith(b"END:VCALENDAR\r\n")
    # CRLF everywhere, no bare CR or LF; no physical line over 75 octets.
    physical = content.split(b"\r\n")[:-1]
    for line in physical:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75
        line.decode("utf-8")  # folding never splits a character
    lines = unfolded_lines(content)
    assert {"VERSION:2.0", "CALSCALE:GREGORIAN"} <= set(lines)
    assert any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == len(OAK_CARER_SEES)

    by_title = {unescape(event["SUMMARY"]): event for event in events(content)}
    assert set(by_title) == OAK_CARER_SEES
    for title, event in by_title.items():
        post = dates[title]
        assert event["UID"] == f"story-post-{post.pk}@testserver"
        assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
        assert event["DTSTART;VALUE=DATE"] == post.event_date.strftime("%Y%m%d")
        end = post.event_date + timedelta(days=1)
        assert event["DTEND;VALUE=DATE"] == end.strftime("%Y%m%d")
        assert event["URL"] == post.full_url == f"http://testserver{local_url(post)}"
        assert post.body in unescape(event["DESCRIPTION"])


def test_feed_uids_are_stable(client, world, dates, oak_feed):
    first = {event["UID"] for event in events(feed(client, oak_feed).content)}
    _, token = CalendarFeed.issue(world.a.carers["Oak"])
    assert {event["UID"] for event in events(feed(client, token).content)} == first


def test_feed_escapes_and_folds_text(world, client, oak_feed):
    body = (
        "Bring: coats, wellies; a packed lunch\\snack.\r\nBack by 3pm.\n"
        + "Café visit — très bien 🌳 " * 8
    )
    dated(world.a.classes["Oak"], "Trip, lunch; and \\ coats", 6, body=body)
    content = feed(client, oak_feed).content
    event = next(e for e in events(content) if "Trip" in e["SUMMARY"] and "lunch" in e["SUMMARY"])
    assert event["SUMMARY"] == "Trip\\, lunch\\; and \\\\ coats"
    description = event["DESCRIPTION"]
    assert "Bring: coats\\, wellies\\; a packed lunch\\\\snack." in description
    assert "\n" not in description and "\\n" in description
    assert "Café visit — très bien 🌳" in unescape(description)
    assert b"\r\n " in content  # the long description was folded


def test_feed_has_no_photos_and_no_tagged_pupils(world, client, oak_feed):
    image = ClassImageFactory(
        title="Oakkid at the farm",
        collection=world.a.classes["Oak"].collection,
        pupils=[world.a.pupils["Oak"]],
    )
    dated(world.a.classes["Oak"], "Farm visit", 2, photos=[image])
    content = feed(client, oak_feed).content.decode()
    assert "Farm visit" in content
    for secret in ("Oakkid", "Smith", "/files/", "ATTACH", "IMAGE"):
        assert secret not in content


def test_feed_follows_access_at_fetch_time(world, client, dates, oak_feed):
    carer = world.a.carers["Oak"]
    # A second child, at the other school: its dates appear at the next fetch.
    link_carer(carer=carer, pupil=world.b.pupils["Rowan"])
    assert summaries(feed(client, oak_feed).content) == OAK_CARER_SEES | {
        "Rowan trip",
        "Birch fair",
    }
    # The Oak link revoked: Oak and its school's story vanish, the link still works.
    link = CarerLink.objects.get(carer=carer, pupil=world.a.pupils["Oak"])
    link.status = CarerLink.Status.REVOKED
    link.status_reason = "court order"
    link.save()
    response = feed(client, oak_feed)
    assert response.status_code == 200
    assert summaries(response.content) == {"Rowan trip", "Birch fair"}


def test_ended_enrolment_removes_the_class_but_not_the_school(world, client, dates, oak_feed):
    Enrolment.objects.get(pupil=world.a.pupils["Oak"]).delete()
    assert summaries(feed(client, oak_feed).content) == {"Alder sports day"}


def test_disabled_account_feed_is_404(world, client, oak_feed):
    carer = world.a.carers["Oak"]
    carer.is_active = False
    carer.save()
    response = feed(client, oak_feed)
    assert response.status_code == 404
    assert_private(response)
    assert b"Oak" not in response.content


def test_feed_is_empty_until_a_new_agreement_is_accepted(world, client, dates, oak_feed):
    agreement = PolicyPage(title="Agreement", slug="agreement", body="<p>Be kind.</p>")
    world.a.school.add_child(instance=agreement)
    agreement.save_revision().publish()
    response = feed(client, oak_feed)
    assert response.status_code == 200
    assert events(response.content) == []


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/nonsense.ics",
        "/calendar/" + "A" * 43 + ".ics",
        "/calendar/" + "x" * 5000 + ".ics",
        "/calendar/%00%00.ics",
        "/calendar/%C3%A9t%C3%A9.ics",
        "/calendar/%ED%A0%80.ics",
        "/calendar/..%2F..%2Fetc.ics",
        "/calendar/.ics",
        "/calendar/abc.ics.ics",
    ],
)
def test_unknown_or_garbage_token_is_404(world, client, oak_feed, path):
    response = client.get(path)
    assert response.status_code == 404
    assert_private(response)


def test_feed_refuses_other_methods(client, oak_feed):
    assert client.post(f"/calendar/{oak_feed}.ics").status_code == 405
    assert client.head(f"/calendar/{oak_feed}.ics").status_code == 200


# --- the iCal writer on its own ----------------------------------------------------------


def test_fold_keeps_lines_within_75_octets_without_splitting_characters():
    line = "DESCRIPTION:" + "é🌳a" * 40
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert folded.replace("\r\n ", "") == line
    assert fold("SUMMARY:short") == "SUMMARY:short"
    exact = "X" * 75
    assert fold(exact) == exact


def test_escape_text():
    assert escape_text("a,b;c\\d\ne\r\nf\rg") == "a\\,b\\;c\\\\d\\ne\\nf\\ng"
    assert escape_text("bell\x07tab\t") == "belltab\t"


def test_empty_calendar_is_valid():
    text = ical_calendar([], timezone.now())
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "BEGIN:VEVENT" not in text


def test_queries_do_not_grow_with_the_number_of_dates(world, client, oak_feed):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.a.carers["Oak"])

    def counts():
        with CaptureQueriesContext(db) as page:
            client.get("/calendar/")
        with CaptureQueriesContext(db) as ics:
            feed(client, oak_feed)
        return len(page), len(ics)

    for day in range(3):
        dated(world.a.classes["Oak"], f"Club {day}", day + 1)
    counts()  # warm the caches (sites, locales) and record the first fetch
    before = counts()
    for day in range(5):  # a query per date shows as 10 more
        dated(world.a.classes["Oak"], f"More {day}", day + 1)
        dated(story_of(world.a), f"School {day}", day + 1)
    assert counts() == before
