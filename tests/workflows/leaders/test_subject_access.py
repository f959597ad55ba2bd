"""Subject access exports: a leader of the pupil's school downloads a ZIP (data.json,
index.html, media/) for a pupil or a carer by POST; it names no other pupil (a shared
photo is in, its other pupils only counted), holds nothing of another school or any
password hash, and is logged. Everyone else is refused; bad ids are 404s."""

import io
import json
import logging
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.models import PageLogEntry

from class_pages.factories import (
    CarerLinkFactory,
    ClassImageFactory,
    StoryPostPageFactory,
    UserFactory,
    give_consent,
)
from class_pages.models import (
    CarerLink,
    Invitation,
    Medium,
    PolicyAcceptance,
    PolicyPage,
)
from tests.helpers import assert_private, browser
from workflows.leaders.subject_access.record import EXPORT_ACTION
from workflows.models import ConcernReport

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
INDEX = "/admin/subject-access/"


def pupil_url(pupil_id):
    return f"/admin/subject-access/pupil/{pupil_id}/"


def carer_url(user_id):
    return f"/admin/subject-access/carer/{user_id}/"


def unzip(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return {name: archive.read(name) for name in archive.namelist()}


def stored_bytes(item):
    with item.file.storage.open(item.file.name, "rb") as handle:
        return handle.read()


def exports_logged():
    return PageLogEntry.objects.filter(action=EXPORT_ACTION)


@pytest.fixture
def shared_photo(world):
    """A photo of the Oak pupil with the Willow pupil, in a live Oak post. Its title names
    both children, as teachers' uploads often do: titles must stay out of the export."""
    oak, willow = world.a.pupils["Oak"], world.a.pupils["Willow"]
    image = ClassImageFactory(
        title=f"{oak.first_name} and {willow.first_name} at the pond",
        collection=world.a.classes["Oak"].collection,
        pupils=[oak, willow],
    )
    post = StoryPostPageFactory(
        parent=world.a.classes["Oak"],
        title="Pond dipping",
        body="We found newts together.",
        photos=[image],
    )
    return image, post


# --- the pupil's export -------------------------------------------------------------------


def test_pupil_export_holds_their_record_posts_and_original_media(world, caplog):
    pupil, leader = world.a.pupils["Oak"], world.a.leader
    image, post = world.a.images["Oak"], world.a.posts["Oak"]
    give_consent(
        pupil,
        (Medium.AUDIO,),
        given=False,
        method="paper",
        note="Form in file 3",
        recorded_by=world.a.office,
    )
    Invitation.objects.create(
        pupil=pupil,
        adult_name="Robin Example",
        email="robin@example.invalid",
        token_hash="x" * 64,
        issued_by=world.a.office,
    )

    with caplog.at_level(logging.WARNING, logger="class_pages.security"):
        response = browser(leader).post(pupil_url(pupil.pk))

    assert_private(response)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert re.search(
        rf'filename="subject-access-pupil-{pupil.pk}-\d{{4}}-\d\d-\d\d\.zip"', disposition
    )
    assert pupil.first_name not in disposition and pupil.last_name not in disposition
    files = unzip(response)
    data = json.loads(files["data.json"])

    assert data["pupil"]["first_name"] == "Oakkid" and data["pupil"]["last_name"] == "Smith"
    assert [row["class"] for row in data["enrolments"]] == ["Oak, 2026-27"]
    consents = data["consent_history"]
    assert len(consents) == 5  # four given in the fixture, one refused on paper
    assert {row["medium"] for row in consents if row["given"]} == {
        label for _, label in Medium.choices
    }
    paper = [row for row in consents if not row["given"]]
    assert paper[0]["medium"] == "Audio recordings" and paper[0]["note"] == "Form in file 3"
    assert paper[0]["recorded_by"] == "a member of staff"  # staff are not named
    assert consents[-1] == paper[0]  # oldest first
    carer = world.a.carers["Oak"]
    assert [(row["carer"], row["relationship"], row["status"]) for row in data["carer_links"]] == [
        (carer.get_full_name(), "Parent", "Active")
    ]
    assert [(row["adult_name"], row["email"], row["status"]) for row in data["invitations"]] == [
        ("Robin Example", "robin@example.invalid", "waiting")
    ]
    assert {(row["class"], row["change"]) for row in data["carer_access_changes"]} == {
        ("Oak, 2026-27", "Granted")
    }

    [listed] = data["posts"]
    assert listed["id"] == post.pk and listed["live"] is True
    assert listed["class"] == "Oak, 2026-27" and listed["first_published_at"]
    [version] = listed["versions"]
    assert (version["title"], version["text"]) == ("Oak news", post.body)
    arcname = f"media/photo-{image.pk}.png"
    assert version["photos_of_this_pupil"][0]["file"] == arcname
    assert data["photos"] == [
        {
            "file": arcname,
            "uploaded_at": data["photos"][0]["uploaded_at"],
            "other_pupils_tagged": 0,
            "in_posts": [post.pk],
        }
    ]
    assert files[arcname] == stored_bytes(image)
    assert set(files) == {"data.json", "index.html", arcname}
    for content in files.values():
        assert world.a.office.last_name.encode() not in content
        assert b"x" * 64 not in content  # the invitation's token hash

    index = files["index.html"].decode()
    assert f'href="{arcname}"' in index
    assert "Oakkid Smith" in index and "Oak news" in index and "Robin Example" in index
    assert "Before release" in index and "review" in index

    [entry] = exports_logged()
    assert entry.page_id == world.a.school.pk and entry.user_id == leader.pk
    assert entry.data == {"subject": "pupil", "id": pupil.pk}
    assert "Oakkid" not in entry.message and str(pupil.pk) in entry.message
    [line] = [r.getMessage() for r in caplog.records if r.name == "class_pages.security"]
    assert f"pupil {pupil.pk}" in line and f"user {leader.pk}" in line and "Oakkid" not in line


def test_export_appears_in_the_schools_audit_log(world):
    pupil = world.a.pupils["Oak"]
    client = browser(world.a.leader)
    client.post(pupil_url(pupil.pk))
    html = client.get("/admin/audit/", {"q": "subject access"}).content.decode()
    assert f"Subject access export made: pupil #{pupil.pk}" in html
    other = browser(world.b.leader).get("/admin/audit/", {"q": "subject access"})
    assert "Subject access export made" not in other.content.decode()


def test_shared_photo_is_included_without_naming_the_other_pupil(world, shared_photo):
    image, post = shared_photo
    files = unzip(browser(world.a.leader).post(pupil_url(world.a.pupils["Oak"].pk)))
    data = json.loads(files["data.json"])

    arcname = f"media/photo-{image.pk}.png"
    assert files[arcname] == stored_bytes(image)
    [shared] = [row for row in data["photos"] if row["file"] == arcname]
    assert shared["other_pupils_tagged"] == 1 and shared["in_posts"] == [post.pk]
    assert "Pond dipping" in {p["versions"][0]["title"] for p in data["posts"]}
    assert f'href="{arcname}"' in files["index.html"].decode()
    for name, content in files.items():
        for secret in (b"Willowkid", b"Willow", b"at the pond"):
            assert secret not in content, f"{secret!r} in {name}"


def test_nothing_of_another_school(world):
    rowan = world.b.pupils["Rowan"]
    # The Oak carer is also a carer at school B, with its own records there.
    carer = world.a.carers["Oak"]
    CarerLinkFactory(carer=carer, pupil=rowan)
    files = unzip(browser(world.a.leader).post(pupil_url(world.a.pupils["Oak"].pk)))
    files.update(
        {
            f"carer/{k}": v
            for k, v in unzip(browser(world.a.leader).post(carer_url(carer.pk))).items()
        }
    )
    for name, content in files.items():
        for secret in (b"Birch", b"Rowan", world.b.school.title.encode()):
            assert secret not in content, f"{secret!r} in {name}"


def test_drafts_newer_drafts_recordings_and_unposted_media_are_included(world):
    pupil, oak = world.a.pupils["Oak"], world.a.classes["Oak"]
    unposted = ClassImageFactory(collection=oak.collection, pupils=[pupil])
    drafted = ClassImageFactory(collection=oak.collection, pupils=[pupil])
    draft = StoryPostPageFactory(
        parent=oak,
        title="Not yet out",
        body="<script>alert(1)</script>",
        photos=[drafted],
        published=False,
    )
    recording = get_document_model()(title="Clip", kind="video", collection=oak.collection)
    recording.file.save("x.mp4", ContentFile(MP4), save=True)
    recording.pupils.set([pupil])
    live = world.a.posts["Oak"]
    live.title = "Oak news, edited"
    live.save_revision()  # a newer draft of a live post

    files = unzip(browser(world.a.leader).post(pupil_url(pupil.pk)))
    data = json.loads(files["data.json"])

    posts = {row["id"]: row for row in data["posts"]}
    assert posts[draft.pk]["live"] is False
    assert [(v["version"], v["title"]) for v in posts[live.pk]["versions"]] == [
        ("live", "Oak news"),
        ("draft", "Oak news, edited"),
    ]
    assert posts[draft.pk]["versions"][0]["version"] == "draft"
    assert posts[draft.pk]["versions"][0]["text"] == "<script>alert(1)</script>"
    index = files["index.html"].decode()
    assert "Not yet out" in index and "<script>" not in index  # written text is escaped
    assert files[f"media/photo-{unposted.pk}.png"] == stored_bytes(unposted)
    assert files[f"media/photo-{drafted.pk}.png"] == stored_bytes(drafted)
    assert files[f"media/video-{recording.pk}.mp4"] == MP4
    assert data["recordings"][0]["file"] == f"media/video-{recording.pk}.mp4"
    unposted_row = [r for r in data["photos"] if r["file"] == f"media/photo-{unposted.pk}.png"]
    assert unposted_row[0]["in_posts"] == []


@pytest.fixture
def lost_oak_photo(world):
    """The world's Oak photo file gone from storage, and back afterwards (the file is
    shared by every test of the process)."""
    image = world.a.images["Oak"]
    storage, name = image.file.storage, image.file.name
    with storage.open(name, "rb") as stored:
        saved = stored.read()
    storage.delete(name)
    yield image
    with open(storage.path(name), "wb") as restored:
        restored.write(saved)


def test_a_lost_file_is_reported_not_a_500(world, lost_oak_photo):
    pupil = world.a.pupils["Oak"]
    files = unzip(browser(world.a.leader).post(pupil_url(pupil.pk)))
    data = json.loads(files["data.json"])
    assert data["photos"][0]["file"] is None and data["photos"][0]["missing"]
    [post] = data["posts"]
    assert post["versions"][0]["photos_of_this_pupil"][0]["file"] is None
    assert not any(name.startswith("media/") for name in files)
    assert "media/" not in files["index.html"].decode()


# --- the carer's export -------------------------------------------------------------------


def test_carer_export_has_links_acceptances_and_no_password(world):
    carer, leader = world.a.carers["Oak"], world.a.leader
    policy = PolicyPage(title="Class pages agreement", slug="agreement", body="<p>Be kind.</p>")
    world.a.school.add_child(instance=policy)
    policy.save_revision().publish()
    PolicyAcceptance.objects.create(user=carer, policy=policy, version=1)
    PolicyAcceptance.objects.create(user=leader, policy=policy, version=1)
    give_consent(world.a.pupils["Oak"], (Medium.VIDEO,), given=False, recorded_by=carer)
    ConcernReport.objects.create(
        post=world.a.posts["Oak"], reporter=carer, reason="other", details="Blurry photo."
    )

    response = browser(leader).post(carer_url(carer.pk))

    assert_private(response)
    assert re.search(
        rf'filename="subject-access-carer-{carer.pk}-[\d-]+\.zip"', response["Content-Disposition"]
    )
    files = unzip(response)
    assert set(files) == {"data.json", "index.html"}
    data = json.loads(files["data.json"])
    assert data["account"]["username"] == carer.username
    assert data["account"]["email"] == carer.email
    assert not any("password" in key for key in data["account"])
    assert [
        (row["pupil"], row["relationship"], row["status"]) for row in data["linked_pupils"]
    ] == [("Oakkid Smith", "Parent", "Active")]
    assert [(row["agreement"], row["version"]) for row in data["agreement_acceptances"]] == [
        ("Class pages agreement", 1)
    ]
    assert [(row["medium"], row["given"]) for row in data["consents_recorded"]] == [
        ("Video", False)
    ]
    assert [(row["status"], row["details"]) for row in data["concern_reports"]] == [
        ("Waiting for a leader", "Blurry photo.")
    ]
    assert ("Oak, 2026-27", "Granted") in {
        (row["class"], row["change"]) for row in data["access_changes"]
    }
    hash_prefix = carer.password.split("$")[0].encode()
    for name, content in files.items():
        assert carer.password.encode() not in content, name
        assert hash_prefix + b"$" not in content, name
    assert "Class pages agreement" in files["index.html"].decode()
    [entry] = exports_logged()
    assert entry.data == {"subject": "carer", "id": carer.pk}


def test_carer_export_keeps_an_ended_link(world):
    carer = world.a.carers["Oak"]
    CarerLink.objects.filter(carer=carer).update(
        status=CarerLink.Status.REVOKED, end_reason=CarerLink.EndReason.REQUEST
    )
    data = json.loads(unzip(browser(world.a.leader).post(carer_url(carer.pk)))["data.json"])
    assert [(row["status"], row["end_reason"]) for row in data["linked_pupils"]] == [
        ("Revoked", "The carer asked")
    ]


# --- who may, and how -----------------------------------------------------------------------


def test_leader_of_another_school_gets_404(world):
    client = browser(world.b.leader)
    assert client.post(pupil_url(world.a.pupils["Oak"].pk)).status_code == 404
    assert client.post(carer_url(world.a.carers["Oak"].pk)).status_code == 404
    assert not exports_logged().exists()
    listing = client.get(INDEX).content.decode()
    assert "Rowankid" in listing and "Oakkid" not in listing and "Willowkid" not in listing


def test_superuser_may_export_any_school(world):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    files = unzip(browser(admin).post(pupil_url(world.b.pupils["Rowan"].pk)))
    assert json.loads(files["data.json"])["pupil"]["first_name"] == "Rowankid"


@pytest.mark.parametrize("who", ["teacher", "office", "carer"])
def test_others_are_refused(world, who):
    user = {
        "teacher": world.a.teachers["Oak"],
        "office": world.a.office,
        "carer": world.a.carers["Oak"],
    }[who]
    client = browser(user)
    responses = [
        client.get(INDEX),
        client.post(pupil_url(world.a.pupils["Oak"].pk)),
        client.post(carer_url(world.a.carers["Oak"].pk)),
    ]
    for response in responses:
        assert response.status_code in (302, 403)
        assert response.get("Content-Type") != "application/zip"
        assert b"Oakkid" not in response.content
    assert not exports_logged().exists()


def test_anonymous_is_sent_to_sign_in(world):
    response = Client().post(pupil_url(world.a.pupils["Oak"].pk))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not exports_logged().exists()


def test_get_does_not_generate(world):
    client = browser(world.a.leader)
    for url in (pupil_url(world.a.pupils["Oak"].pk), carer_url(world.a.carers["Oak"].pk)):
        response = client.get(url)
        assert response.status_code == 405
        assert response.get("Content-Type") != "application/zip"
        assert b"Oakkid" not in response.content
    assert not exports_logged().exists()


def test_csrf_token_is_required(world):
    client = browser(world.a.leader, enforce_csrf_checks=True)
    url = pupil_url(world.a.pupils["Oak"].pk)
    assert client.post(url).status_code == 403
    assert not exports_logged().exists()
    listing = client.get(INDEX)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', listing.content.decode())
    response = client.post(url, {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert exports_logged().count() == 1


@pytest.mark.parametrize(
    "url",
    [
        pupil_url(0),
        pupil_url(987654),
        pupil_url(99999999999999999999999),
        carer_url(0),
        carer_url(987654),
        carer_url(2**63),
        "/admin/subject-access/pupil/abc/",
        "/admin/subject-access/pupil/-1/",
    ],
)
def test_bad_ids_are_404(world, url):
    response = browser(world.a.leader).post(url)
    assert response.status_code == 404
    assert not exports_logged().exists()


def test_staff_or_unlinked_user_is_no_carer(world):
    client = browser(world.a.leader)
    for user in (world.a.teachers["Oak"], world.a.office, world.b.carers["Rowan"]):
        assert client.post(carer_url(user.pk)).status_code == 404


def test_listing_searches_pupils_and_shows_their_carers(world):
    client = browser(world.a.leader)
    response = client.get(INDEX)
    assert_private(response)
    html = response.content.decode()
    assert "Oakkid" in html and "Willowkid" in html and "Rowankid" not in html
    assert f'action="{pupil_url(world.a.pupils["Oak"].pk)}"' in html
    assert f'action="{carer_url(world.a.carers["Oak"].pk)}"' in html
    assert f'action="{carer_url(world.b.carers["Rowan"].pk)}"' not in html
    assert html.count("Download subject access export") == 4  # two pupils, two carers
    narrowed = client.get(INDEX, {"q": "willow"}).content.decode()
    assert "Willowkid" in narrowed and "Oakkid" not in narrowed


def test_menu_item_is_for_leaders_only(world):
    assert INDEX in browser(world.a.leader).get("/admin/").content.decode()
    assert INDEX not in browser(world.a.teachers["Oak"]).get("/admin/").content.decode()
