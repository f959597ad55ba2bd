"""The audit log and access removal, leaders of the school only."""

import csv
import io

import pytest

from class_pages.factories import give_consent
from class_pages.models import AccessChange, CarerLink, Medium
from tests.helpers import browser
from workflows.models import AccessRemoval


def test_leader_sees_their_schools_records_only(world):
    give_consent(world.a.pupils["Oak"], (Medium.VIDEO,), given=False)
    give_consent(world.b.pupils["Rowan"], (Medium.AUDIO,), given=False)
    html = browser(world.a.leader).get("/admin/audit/").content.decode()
    assert "refused or withdrew video" in html
    assert world.a.classes["Oak"].title in html  # access grants, page log
    assert "refused or withdrew audio" not in html
    assert world.b.classes["Rowan"].title not in html
    assert world.b.pupils["Rowan"].first_name not in html


@pytest.mark.parametrize("who", ["teacher", "office", "carer"])
def test_others_are_refused(world, who):
    user = {
        "teacher": world.a.teachers["Oak"],
        "office": world.a.office,
        "carer": world.a.carers["Oak"],
    }[who]
    for url in ("/admin/audit/", "/admin/audit.csv", "/admin/remove-access/"):
        response = browser(user).get(url)
        assert response.status_code in (302, 403)
        assert b"Oakkid" not in response.content


def test_filters_narrow_the_log(world):
    give_consent(world.a.pupils["Oak"], (Medium.VIDEO,), given=False)
    client = browser(world.a.leader)
    consent_only = client.get("/admin/audit/", {"category": "consent"}).content.decode()
    assert "refused or withdrew video" in consent_only and "Granted" not in consent_only
    access_only = client.get("/admin/audit/", {"category": "access"}).content.decode()
    assert "Granted" in access_only and "refused or withdrew" not in access_only
    nothing = client.get("/admin/audit/", {"q": "no-such-text-anywhere"}).content.decode()
    assert "Nothing recorded" in nothing
    garbage = client.get("/admin/audit/", {"since": "not-a-date", "category": "x"})
    assert garbage.status_code == 200


def test_csv_export_is_the_schools_and_safe(world):
    world.a.pupils["Oak"].first_name = "=HYPERLINK(1)"
    world.a.pupils["Oak"].save()
    give_consent(world.a.pupils["Oak"], (Medium.AUDIO,), given=False)
    give_consent(world.b.pupils["Rowan"], (Medium.AUDIO,), given=False)
    response = browser(world.a.leader).get("/admin/audit.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["when", "school", "category", "who", "about", "what"]
    schools = {row[1] for row in rows[1:]}
    assert world.a.school.title in schools and world.b.school.title not in schools
    about = [row[4] for row in rows[1:] if row[2] == "Consent"]
    assert "'=HYPERLINK(1) Smith" in about
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_leader_suspends_a_carer_and_it_applies_at_once(world):
    carer = world.a.carers["Oak"]
    phone = browser(carer)
    assert phone.get(world.a.classes["Oak"].url).status_code == 200
    response = browser(world.a.leader).post(
        "/admin/remove-access/",
        {
            "school": world.a.school.pk,
            "person": carer.username,
            "kind": "carer-suspended",
            "reason": "violation",
            "note": "Shared photos on social media",
        },
    )
    assert response.status_code == 302
    link = carer.carer_links.get()
    assert (link.status, link.end_reason) == (CarerLink.Status.SUSPENDED, "violation")
    assert phone.get(world.a.classes["Oak"].url).status_code == 404
    removal = AccessRemoval.objects.get(person=carer)
    assert removal.removed_by == world.a.leader and "social media" in removal.note
    assert AccessChange.objects.filter(carer=carer, change="revoked").exists()
    log = browser(world.a.leader).get("/admin/audit/", {"category": "access"}).content.decode()
    assert "access suspended" in log


def test_leader_removes_a_teachers_posting_rights(world):
    teacher = world.a.teachers["Oak"]
    edit = f"/admin/pages/{world.a.posts['Oak'].pk}/edit/"
    assert browser(teacher).get(edit).status_code == 200
    response = browser(world.a.leader).post(
        "/admin/remove-access/",
        {
            "school": world.a.school.pk,
            "person": teacher.email,
            "kind": "posting-removed",
            "reason": "violation",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert not teacher.groups.filter(pk=world.a.classes["Oak"].teachers_group_id).exists()
    assert browser(teacher).get(edit).status_code == 302  # refused now


def test_leader_cannot_remove_people_of_another_school(world):
    response = browser(world.b.leader).post(
        "/admin/remove-access/",
        {
            "school": world.a.school.pk,
            "person": world.a.carers["Oak"].username,
            "kind": "carer-revoked",
            "reason": "violation",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "school" in response.context["form"].errors
    response = browser(world.b.leader).post(
        "/admin/remove-access/",
        {
            "school": world.b.school.pk,
            "person": world.a.carers["Oak"].username,
            "kind": "carer-revoked",
            "reason": "violation",
            "note": "",
        },
    )
    assert response.status_code == 200 and "person" in response.context["form"].errors
    assert world.a.carers["Oak"].carer_links.get().status == CarerLink.Status.ACTIVE
    assert not AccessRemoval.objects.exists()
