"""Stored XSS: hostile text in every field a teacher, the office, a leader or a carer can
fill, then every page that shows it (the carer's class page, post, calendar and children
pages; the admin editor, listings, reports and review screens) parsed with BeautifulSoup:
no payload becomes a live <script>, an on* attribute, a javascript: URL or an iframe
srcdoc, and no `{{ }}` / `{% %}` is ever evaluated.

The teacher's post goes through the real admin form and workflow (the appropriateness
check may refuse it: then the rejected draft is rendered in the admin) and, so the carer
pages always show it, a second post with the same payloads is published by the factories.
Register entries, concern reports, invitations, carer accounts, reviews and rich text
are written through their real forms."""

import json
import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.test import Client
from wagtail.models import Page, WorkflowState

from class_pages.factories import (
    ClassImageFactory,
    InformationPageFactory,
    StoryPostPageFactory,
    UserFactory,
    enrol,
    give_consent,
    photo_block,
)
from class_pages.models import (
    ClassPage,
    Invitation,
    Pupil,
    StoryPostPage,
)
from class_pages.register.carer_links import link_carer
from tests.helpers import action_url, add_url, edit_url, post_form
from workflows.models import ClassReview, ConcernReport

MARK = "zqxss"
# One hostile string per length class: each payload calls zqxss(<n>) if it ever runs.
LONG = (
    "<script>zqxss(1)</script>\"><img src=x onerror=zqxss(2)>'><svg onload=zqxss(3)>"
    "</textarea></title></script><script>zqxss(4)</script>"
    '<a href="javascript:zqxss(5)">x</a><iframe srcdoc="<script>zqxss(6)</script>">'
    "{{ 'zqtpl'|upper }}{% now 'Y' %}"
)
SHORT = "\"><img src=x onerror=zqxss(7)><script>zqxss(8)</script>{{ 'zqtpl'|upper }}"
URL_LIKE = "javascript:zqxss(9)//"
EVALUATED = re.compile(r"ZQTPL")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset"}
INERT_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def live_nodes(html):
    """Problems in one HTML document: payloads that a browser would run."""
    soup = BeautifulSoup(html, "html.parser")
    problems = []
    for script in soup.find_all("script"):
        if (script.get("type") or "").lower() in INERT_SCRIPT_TYPES:
            continue
        if MARK in script.get_text():
            problems.append(f"live <script>: {str(script)[:120]}")
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if MARK not in value:
                continue
            name = name.lower()
            squeezed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name.startswith("on"):
                problems.append(f"{name}= on <{tag.name}>: {value[:80]}")
            elif name in URL_ATTRIBUTES and squeezed.startswith("javascript:"):
                problems.append(f"javascript: URL in {name} of <{tag.name}>")
            elif name == "srcdoc":
                problems.append(f"srcdoc on <{tag.name}>")
    if EVALUATED.search(html):
        problems.append("a {{ }} template tag was evaluated")
    return problems


def render(client, url, expect_payload=False, host="testserver"):
    response = client.get(url, HTTP_HOST=host)
    assert response.status_code < 500, f"{response.status_code} for {url}"
    content_type = response.get("Content-Type", "")
    if response.status_code != 200:
        return [], False
    if "json" in content_type:  # admin modals carry their HTML in JSON
        html = str(json.loads(response.content).get("html") or "")
    elif "html" in content_type:
        html = response.content.decode()
    else:
        return [], False
    problems = [f"{url}: {problem}" for problem in live_nodes(html)]
    shown = MARK in html or "zqxss" in html.replace("&#x27;", "'")
    if expect_payload:
        assert shown, f"{url} does not show the payload: the check would prove nothing"
    return problems, shown


def browser(user=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def check_pages(client, urls, must_show=()):
    problems = []
    for url in urls:
        found, _ = render(client, url, expect_payload=url in must_show)
        problems += found
    return problems


# --- the oracle itself --------------------------------------------------------------


def test_the_oracle_sees_live_payloads():
    live = f"<p>{LONG}</p>"
    found = live_nodes(live)
    assert any("<script>" in item for item in found)
    assert any("onerror=" in item for item in found)
    assert any("javascript:" in item for item in found)
    assert any("srcdoc" in item for item in found)
    assert live_nodes("<p>ZQTPL</p>")
    from django.utils.html import escape

    assert live_nodes(f"<p>{escape(LONG)}</p>") == []


# --- a teacher's post --------------------------------------------------------------


@pytest.fixture
def hostile_post(world):
    """A live Oak post made of payloads (factories), with a payload-titled photo."""
    a = world.a
    image = ClassImageFactory(
        title=f"photo {LONG}"[:255],
        collection=a.classes["Oak"].collection,
        pupils=[a.pupils["Oak"]],
    )
    post = StoryPostPageFactory(
        parent=a.classes["Oak"],
        title=f"Seeds {SHORT}",
        slug="hostile-seeds",
        body=LONG,
        kind=StoryPostPage.Kind.EVENT,
        event_date="2026-12-01",
    )
    post.media = [photo_block(image, alt_text=LONG[:250], caption=f"{SHORT} {URL_LIKE}")]
    post.save_revision().publish()
    oak = ClassPage.objects.get(pk=a.classes["Oak"].pk)
    oak.welcome = LONG
    oak.save_revision().publish()
    return StoryPostPage.objects.get(pk=post.pk), image


def test_post_fields_are_inert_on_the_carer_pages(world, hostile_post):
    post, _ = hostile_post
    carer = browser(world.a.carers["Oak"])
    class_url = world.a.classes["Oak"].get_url_parts()[2]
    post_url = post.get_url_parts()[2]
    problems = check_pages(
        carer,
        [class_url, post_url, "/my-classes/", "/calendar/", f"/posts/{post.pk}/report/"],
        must_show=[class_url, post_url],
    )
    assert not problems, "\n".join(problems)


def test_post_through_the_admin_and_workflow(world):
    """The teacher's real form: payload title, body, alt text and caption. The checks
    may send it back; either way the admin shows it inert, and if it reaches the
    leaders, the approved post is inert on the carer's page too."""
    a = world.a
    teacher, leader = browser(a.teachers["Oak"]), browser(a.leader)
    image = a.images["Oak"]
    image_edit = teacher.post(
        f"/admin/images/{image.pk}/",
        {
            "title": f"img {SHORT}",
            "collection": a.classes["Oak"].collection_id,
            "pupils": [a.pupils["Oak"].pk],
            "tags": "",
        },
    )
    assert image_edit.status_code in (200, 302)
    data = post_form(f"Trip {SHORT}", "hostile-trip", [image], "action-submit", body=LONG)
    data["media-0-value-alt_text"] = SHORT
    data["media-0-value-caption"] = URL_LIKE
    response = teacher.post(add_url(a.classes["Oak"]), data)
    assert response.status_code in (200, 302), response.status_code
    post = StoryPostPage.objects.child_of(a.classes["Oak"]).get(title=f"Trip {SHORT}")
    state = WorkflowState.objects.for_instance(post).order_by("-pk").first()
    urls = [
        edit_url(post),
        f"/admin/pages/{a.classes['Oak'].pk}/",
        f"/admin/pages/{post.pk}/history/",
        f"/admin/pages/{post.pk}/revisions/",
        f"/admin/pages/{post.pk}/workflow_history/",
        "/admin/",
        f"/admin/images/{image.pk}/",
        "/admin/images/",
    ]
    problems = check_pages(teacher, urls, must_show=[edit_url(post)])
    task_state = post.current_workflow_task_state
    if task_state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS:
        problems += check_pages(
            leader,
            [
                "/admin/",
                f"/admin/pages/workflow/preview/{post.pk}/{task_state.task_id}/",
                f"/admin/pages/{post.pk}/edit/preview/",
                "/admin/oversight/",
            ],
        )
        approve = leader.post(action_url(post, "approve", task_state), {"comment": SHORT})
        assert approve.status_code in (200, 302)
        post = StoryPostPage.objects.get(pk=post.pk)
        assert post.live, "approved but not live"
        for message in mail.outbox:  # notifications name the post
            for content, mimetype in getattr(message, "alternatives", ()):
                if "html" in mimetype:
                    problems += [f"e-mail {message.subject!r}: {p}" for p in live_nodes(content)]
        problems += check_pages(
            browser(a.carers["Oak"]), [post.get_url_parts()[2]], must_show=[post.get_url_parts()[2]]
        )
    problems += check_pages(teacher, [f"/admin/pages/{post.pk}/history/"])
    assert not problems, "\n".join(problems)


# --- the office: pupils, invitations, paper consent --------------------------------


def test_register_entries_are_inert(world, hostile_post):
    a = world.a
    office = browser(a.office)
    made = office.post(
        "/admin/pupils/new/",
        {"school": a.school.pk, "first_name": SHORT[:100], "last_name": f"Zz{SHORT}"[:100]},
    )
    assert made.status_code in (200, 302), made.status_code
    pupil = Pupil.objects.filter(school=a.school, first_name=SHORT[:100]).first()
    if pupil is None:  # refused: the form shows it back, inert
        problems, _ = render(office, "/admin/pupils/new/")
        assert not problems
        pupil = Pupil.objects.create(
            school=a.school, first_name=SHORT[:100], last_name=f"Zz{SHORT}"[:100]
        )
    enrol(pupil, a.classes["Oak"])
    give_consent(pupil)
    link_carer(carer=a.carers["Oak"], pupil=pupil)
    from class_pages.access import sync_carer_access

    sync_carer_access(a.carers["Oak"])
    invited = office.post(
        "/admin/invitations/new/",
        {
            "pupil": pupil.pk,
            "adult_name": SHORT,
            "email": "hostile@demo.invalid",
            "relationship": "parent",
            "has_responsibility": "on",
        },
    )
    assert invited.status_code in (200, 302)
    paper = office.post(
        "/admin/consent_records/new/",
        {"pupil": pupil.pk, "medium": "video", "given": "on", "note": LONG},
    )
    assert paper.status_code in (200, 302)
    # A photo of the pupil in a post: the tagging widget and the consent finding name them.
    _, image = hostile_post
    image.pupils.add(pupil)
    problems = check_pages(
        office,
        [
            "/admin/pupils/",
            f"/admin/pupils/edit/{pupil.pk}/",
            "/admin/enrolments/",
            "/admin/carer_links/",
            "/admin/invitations/",
            "/admin/consent_records/",
            "/admin/consent_records/?q=zz",
        ],
        must_show=["/admin/pupils/"],
    )
    teacher = browser(a.teachers["Oak"])
    problems += check_pages(teacher, [f"/admin/images/{image.pk}/", "/admin/images/"])
    carer = browser(a.carers["Oak"])
    problems += check_pages(
        carer, ["/my-children/", f"/my-children/{pupil.pk}/consent/"], must_show=["/my-children/"]
    )
    leader = browser(a.leader)
    problems += check_pages(
        leader,
        [
            "/admin/subject-access/",
            f"/admin/subject-access/pupil/{pupil.pk}/",
            "/admin/erase-pupil/",
            f"/admin/erase-pupil/{pupil.pk}/",
            "/admin/audit/",
        ],
    )
    assert Invitation.objects.filter(adult_name=SHORT).exists() or invited.status_code == 200
    assert not problems, "\n".join(problems)


# --- a carer: concern report, account names ----------------------------------------


def test_carer_text_is_inert_for_leaders(world, hostile_post):
    a = world.a
    post, _ = hostile_post
    carer = browser(a.carers["Oak"])
    sent = carer.post(f"/posts/{post.pk}/report/", {"reason": "other", "details": LONG})
    assert sent.status_code == 302, sent.status_code
    report = ConcernReport.objects.get(post=post)
    # A new carer names themselves through an invitation.
    invitation = Invitation(
        pupil=a.pupils["Oak"],
        adult_name="Jo",
        email="jo.hostile@demo.invalid",
        has_responsibility=True,
    )
    token = invitation.new_token()
    invitation.save()
    newcomer = browser()
    made = newcomer.post(
        f"/invitations/{token}/",
        {
            "first_name": SHORT[:150],
            "last_name": f"Zz{SHORT}"[:150],
            "password": "a long enough passphrase 42",
            "password_again": "a long enough passphrase 42",
        },
    )
    assert made.status_code in (200, 302)
    problems, _ = render(newcomer, f"/invitations/{token}/")
    leader, office = browser(a.leader), browser(a.office)
    problems += check_pages(
        leader,
        [
            "/admin/concern_reports/",
            f"/admin/concern_reports/edit/{report.pk}/",
            "/admin/",
            "/admin/audit/",
            "/admin/oversight/",
        ],
        must_show=[f"/admin/concern_reports/edit/{report.pk}/"],
    )
    problems += check_pages(office, ["/admin/carer_links/", "/admin/invitations/"])
    problems += check_pages(carer, ["/my-reports/", f"/posts/{post.pk}/report/sent/"])
    decided = leader.post(
        f"/admin/concern_reports/edit/{report.pk}/", {"decision": "dismiss", "note": LONG}
    )
    assert decided.status_code in (200, 302)
    problems += check_pages(leader, ["/admin/concern_reports/", "/admin/audit/"])
    problems += check_pages(carer, ["/my-reports/"])
    assert not problems, "\n".join(problems)


# --- a leader: review notes, rich text ----------------------------------------------


def draftail(text, url):
    """A Draftail (contentstate) value: one paragraph whose first word links to `url`."""
    return json.dumps(
        {
            "blocks": [
                {
                    "key": "a1b2c",
                    "text": text,
                    "type": "unstyled",
                    "depth": 0,
                    "inlineStyleRanges": [],
                    "entityRanges": [{"offset": 0, "length": 4, "key": 0}],
                    "data": {},
                }
            ],
            "entityMap": {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": url}}},
        }
    )


def test_leader_text_and_rich_text_are_inert(world):
    a = world.a
    leader = browser(a.leader)
    oak = a.classes["Oak"]
    reviewed = leader.post(
        f"/admin/oversight/classes/{oak.pk}/review/", {"outcome": "follow-up", "notes": LONG}
    )
    assert reviewed.status_code in (200, 302)
    assert ClassReview.objects.filter(class_page=oak).exists()
    page = InformationPageFactory(parent=a.school, title="Contact us", slug="contact-us")
    edited = leader.post(
        f"/admin/pages/{page.pk}/edit/",
        {
            "title": f"Contact {SHORT}",
            "slug": "contact-us",
            "body": draftail(f"here {LONG}", "javascript:zqxss(20)"),
        },
    )
    assert edited.status_code in (200, 302), edited.status_code
    stored = Page.objects.get(pk=page.pk).specific.get_latest_revision_as_object().body
    assert "here" in stored, "the rich text was not saved"
    assert live_nodes(stored) == [], stored
    problems = check_pages(
        leader,
        [
            "/admin/oversight/",
            f"/admin/oversight/classes/{oak.pk}/review/",
            "/admin/oversight/reviews.csv",
            f"/admin/pages/{page.pk}/edit/",
            f"/admin/pages/{page.pk}/view_draft/",
            f"/admin/pages/{a.school.pk}/",
        ],
        must_show=[f"/admin/pages/{page.pk}/view_draft/"],
    )
    # The stored rich text rendered on the public page, once published.
    specific = Page.objects.get(pk=page.pk).specific
    specific.get_latest_revision().publish()
    problems += check_pages(browser(), [specific.get_url_parts()[2]])
    problems += check_pages(browser(a.carers["Oak"]), ["/"])
    assert not problems, "\n".join(problems)


def test_new_account_names_from_staff_forms_are_inert(world):
    """Names typed into the carer link form (by username) and shown in listings."""
    a = world.a
    hostile = UserFactory(username="hostile.carer", first_name=SHORT[:150], last_name=LONG[:150])
    link = link_carer(carer=hostile, pupil=a.pupils["Oak"])
    problems = check_pages(
        browser(a.office),
        ["/admin/carer_links/", f"/admin/carer_links/edit/{link.pk}/"],
        must_show=["/admin/carer_links/"],
    )
    problems += check_pages(
        browser(a.leader),
        ["/admin/remove-access/", f"/admin/subject-access/carer/{hostile.pk}/", "/admin/audit/"],
    )
    assert not problems, "\n".join(problems)
