"""The register import from an MIS CSV: each encoding and line ending, each kind of
problem row with its row number, preview equals apply, re-importing changes nothing, a
failure half way changes nothing, a move ends the old enrolment and the carer loses the
old class on the next request, the office's admin screen stays inside its own school,
and everyone else is refused. The files are made here, by the tests."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from class_pages.models import Enrolment, NoContactRestriction, Pupil, RegisterContact
from class_pages.register.importing.apply import RegisterChanged, apply_import
from class_pages.register.importing.parsing import MAX_BYTES, ImportRefused, read_register
from class_pages.register.importing.plan import CHANGE, CREATE, MOVE, SAME, build_plan
from tests.helpers import browser

HEADER = [
    "UPN",
    "Legal Forename",
    "Known as",
    "Legal Surname",
    "DOB",
    "NC Year",
    "Reg group",
    "Contact 1 name",
    "Contact 1 e-mail",
    "Contact 1 relationship",
    "Contact 1 parental responsibility",
    "Contact 2 Name",
    "CONTACT 2 EMAIL",
    "Contact 2 Relationship",
    "Contact_2_Parental_Responsibility",
]
NEW_PUPILS = [
    [
        "A123456789012",
        "Siobhán",
        "",
        "O'Brien",
        "04/03/2018",
        "3",
        "Oak",
        "Máire O'Brien",
        "maire@example.org",
        "Mother, resident",
        "Yes",
        "",
        "",
        "",
        "",
    ],
    [
        "B123456789012",
        "Zoë",
        "Zo",
        "Łukasz-Nowak",
        "2018-05-06",
        "3",
        "Willow",
        "Piotr Nowak",
        "piotr@example.org",
        "Father",
        "yes",
        "Anna Nowak",
        "anna@example.org",
        "Grandmother",
        "no",
    ],
]


def cell(value):
    return f'"{value}"' if "," in value or '"' in value else value


def register_file(rows, header=HEADER, encoding="utf-8", newline="\r\n"):
    lines = [",".join(cell(value) for value in row) for row in [header, *rows]]
    return (newline.join(lines) + newline).encode(encoding)


def oak_kid_row(class_name, **changes):
    row = dict(zip(HEADER, [""] * len(HEADER), strict=True))
    row.update({"Legal Forename": "Oakkid", "Legal Surname": "Smith", "Reg group": class_name})
    row["DOB"] = "01/01/2018"
    row.update(changes)
    return list(row.values())


def plan_for(world, data):
    return build_plan(world.a.school, read_register(data))


# --- reading the file -----------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, newline",
    [
        ("utf-8", "\r\n"),
        ("utf-8-sig", "\r\n"),
        ("utf-8", "\n"),
        ("utf-16", "\r\n"),
        ("cp1252", "\r\n"),
    ],
)
def test_each_encoding_and_line_end_reads_the_same_names(world, encoding, newline):
    rows = [row[:] for row in NEW_PUPILS]
    if encoding == "cp1252":  # Ł is not in Windows-1252
        rows[1][3] = "Nowák"
    plan = plan_for(world, register_file(rows, encoding=encoding, newline=newline))
    assert plan.problems == []
    created = {row.name: row for row in plan.of(CREATE)}
    assert set(created) == {"Siobhán O'Brien", f"Zoë {rows[1][3]}"}
    siobhan = created["Siobhán O'Brien"]
    assert siobhan.values["date_of_birth"] == date(2018, 3, 4)
    assert siobhan.file_contacts[1]["relationship"] == "Mother, resident"  # quoted comma
    assert siobhan.file_contacts[1]["has_responsibility"] is True
    assert created[f"Zoë {rows[1][3]}"].values["date_of_birth"] == date(2018, 5, 6)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"\r\n\r\n", "no rows"),
        (b"Oakkid,Smith,Oak\r\n", "first row must name the columns"),
        (b"Forename,Surname\r\nA,B\r\n", "no column for: Class, UPN or Date of birth"),
        (b"Forename,Surname,Class,DOB\r\n", "no pupils"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not a CSV file"),
        (b"a" * (MAX_BYTES + 1), "too big"),
        (b"Forename,First name,Surname,Class,DOB\r\n", "both read as"),
    ],
)
def test_a_file_that_is_not_a_register_is_refused_plainly(data, message):
    with pytest.raises(ImportRefused, match=message):
        read_register(data)


def test_every_problem_row_is_listed_with_its_number_value_and_reason(world):
    pupil = world.a.pupils["Oak"]
    pupil.date_of_birth = date(2018, 1, 1)
    pupil.save()
    NoContactRestriction.objects.create(pupil=pupil, name="Barry Smith")
    good = NEW_PUPILS[0]
    rows = [
        good,  # row 2
        ["C123456789012", "Ann", "", "Lee", "01/02/2018", "3", "Rowan", *[""] * 8],  # B's class
        [good[0], "Dup", "", "Licate", "2018-01-01", "3", "Oak", *[""] * 8],  # UPN of row 2
        ["", "Ben", "", "Ray", "31/02/2018", "3", "Oak", *[""] * 8],  # no such date
        ["", "Cat", "", "Ng", "2018-02-02", "3", "Oak", "Dee Ng", "dee@", "Aunt", "no", *[""] * 4],
        [
            "",
            "Oakkid",
            "",
            "Smith",
            "2018-01-01",
            "3",
            "Oak",
            "Barry  SMITH",
            "",
            "Father",
            "yes",
            *[""] * 4,
        ],
    ]
    plan = plan_for(world, register_file(rows))
    found = {(p.row, p.column, p.value): p.reason for p in plan.problems}
    assert set(found) == {
        (3, "Class", "Rowan"),
        (4, "UPN", good[0]),
        (5, "Date of birth", "31/02/2018"),
        (6, "Contact 1 email", "dee@"),
        (7, "Contact 1 name", "Barry SMITH"),
    }
    assert (
        "not a class of the school this year (classes: Oak, Willow)" in found[3, "Class", "Rowan"]
    )
    assert "row 2" in found[4, "UPN", good[0]]
    assert "no-contact" in found[7, "Contact 1 name", "Barry SMITH"]
    assert [row.row for row in plan.rows] == [2]  # problem rows change nothing


# --- applying -------------------------------------------------------------------------


def register_snapshot(school):
    return (
        sorted(
            Pupil.objects.filter(school=school).values_list(
                "pk", "upn", "first_name", "preferred_name", "last_name", "date_of_birth"
            )
        ),
        sorted(
            Enrolment.objects.filter(pupil__school=school).values_list(
                "pupil_id", "class_page_id", "started_on", "ended_on"
            )
        ),
        sorted(
            RegisterContact.objects.filter(pupil__school=school).values_list(
                "pupil_id", "slot", "name", "email", "relationship", "has_responsibility"
            )
        ),
    )


def test_apply_does_what_the_preview_said_and_a_second_import_changes_nothing(world):
    school = world.a.school
    data = register_file([*NEW_PUPILS, oak_kid_row("Oak", UPN="D123456789012")])
    preview = plan_for(world, data)
    assert preview.counts == {CREATE: 2, CHANGE: 1, MOVE: 0, SAME: 0}
    applied = apply_import(school, read_register(data), expected_digest=preview.digest)
    assert applied.digest == preview.digest
    zoe = Pupil.objects.get(school=school, upn="B123456789012")
    assert (zoe.first_name, zoe.preferred_name, zoe.last_name) == ("Zoë", "Zo", "Łukasz-Nowak")
    assert Enrolment.objects.current().get(pupil=zoe).class_page == world.a.classes["Willow"]
    contacts = {c.slot: (c.name, c.has_responsibility) for c in zoe.register_contacts.all()}
    assert contacts == {1: ("Piotr Nowak", True), 2: ("Anna Nowak", False)}
    assert Pupil.objects.get(pk=world.a.pupils["Oak"].pk).upn == "D123456789012"
    assert not zoe.carer_links.exists()  # contacts are not carers: no invitation was sent

    before = register_snapshot(school)
    again = plan_for(world, data)
    assert again.counts == {CREATE: 0, CHANGE: 0, MOVE: 0, SAME: 3}
    assert not again.has_changes
    apply_import(school, read_register(data))
    assert register_snapshot(school) == before


def test_a_failure_half_way_leaves_the_register_as_it_was(world, monkeypatch):
    school = world.a.school
    before = register_snapshot(school)
    saves = {"count": 0}
    real_save = RegisterContact.save

    def failing_save(self, *args, **kwargs):
        saves["count"] += 1
        if saves["count"] == 3:
            raise DatabaseError("disk I/O error")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(RegisterContact, "save", failing_save)
    data = register_file([*NEW_PUPILS, oak_kid_row("Willow", UPN="D123456789012")])
    with pytest.raises(DatabaseError):
        apply_import(school, read_register(data))
    assert saves["count"] == 3
    assert register_snapshot(school) == before


def test_a_changed_register_refuses_the_old_preview(world):
    data = register_file(NEW_PUPILS)
    preview = plan_for(world, data)
    Pupil.objects.create(school=world.a.school, first_name="Zoë", last_name="Łukasz-Nowak")
    with pytest.raises(RegisterChanged):
        apply_import(world.a.school, read_register(data), expected_digest=preview.digest)
    assert not Pupil.objects.filter(upn="A123456789012").exists()


def test_a_move_ends_the_old_enrolment_and_the_carer_loses_the_old_class(world):
    oak, willow = world.a.classes["Oak"], world.a.classes["Willow"]
    pupil, carer = world.a.pupils["Oak"], browser(world.a.carers["Oak"])
    Enrolment.objects.filter(pupil=pupil).update(started_on=date(2026, 9, 1))
    assert carer.get(oak.url).status_code == 200
    assert carer.get(willow.url).status_code == 404
    plan = plan_for(world, register_file([oak_kid_row("Willow")]))
    assert plan.counts[MOVE] == 1
    assert plan.rows[0].changes[0] == "moves from Oak to Willow"
    apply_import(world.a.school, read_register(register_file([oak_kid_row("Willow")])))
    old = Enrolment.objects.get(pupil=pupil, class_page=oak)
    assert old.ended_on == timezone.localdate() - timedelta(days=1)
    assert Enrolment.objects.current().get(pupil=pupil).class_page == willow
    assert carer.get(oak.url).status_code == 404
    assert carer.get(willow.url).status_code == 200


def test_the_command_previews_and_applies(world, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(register_file(NEW_PUPILS))
    out = io.StringIO()
    call_command("import_register", world.a.school.title, str(path), stdout=out)
    assert "2 new" in out.getvalue() and "--apply" in out.getvalue()
    assert not Pupil.objects.filter(upn="A123456789012").exists()
    call_command("import_register", world.a.school.slug, str(path), "--apply", stdout=out)
    assert Pupil.objects.filter(school=world.a.school, upn="A123456789012").exists()


# --- the admin screen -----------------------------------------------------------------

UPLOAD = "register_import:upload"
APPLY = "register_import:apply"


def upload(client, school, data, name="register.csv"):
    return client.post(reverse(UPLOAD), {"school": school.pk, "file": named(data, name)})


def named(data, name):
    file = io.BytesIO(data)
    file.name = name
    return file


def test_the_office_uploads_previews_and_applies(world):
    office = browser(world.a.office)
    page = office.get(reverse(UPLOAD))
    assert page.status_code == 200
    assert world.a.school.title in page.content.decode()
    assert world.b.school.title not in page.content.decode()
    preview = upload(office, world.a.school, register_file(NEW_PUPILS))
    assert preview.status_code == 200
    assert "private" in preview["Cache-Control"]
    assert "does not send invitations" in preview.content.decode()
    done = office.post(
        reverse(APPLY),
        {"token": preview.context["token"], "digest": preview.context["plan"].digest},
    )
    assert done.status_code == 302
    assert Pupil.objects.filter(school=world.a.school, upn="B123456789012").exists()
    again = office.post(reverse(APPLY), {"token": preview.context["token"], "digest": "x"})
    assert again.status_code == 302  # the kept file went with the apply


def test_the_office_cannot_import_into_another_school(world):
    office = browser(world.a.office)
    refused = upload(office, world.b.school, register_file(NEW_PUPILS))
    assert refused.status_code == 200
    assert "school" in refused.context["form"].errors
    other = upload(
        browser(world.b.office),
        world.b.school,
        register_file([oak_kid_row("Rowan", UPN="E123456789012")]),
    )
    token = other.context["token"]
    office.post(reverse(APPLY), {"token": token, "digest": other.context["plan"].digest})
    assert not Pupil.objects.filter(upn="E123456789012").exists()


def test_b_classes_are_problems_for_a_and_never_named(world):
    office = browser(world.a.office)
    preview = upload(office, world.a.school, register_file([oak_kid_row("Rowan")]))
    problems = preview.context["plan"].problems
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "Class", "Rowan")]
    assert "classes: Oak, Willow)" in problems[0].reason


def test_a_changed_register_is_said_and_previewed_again(world):
    office = browser(world.a.office)
    preview = upload(office, world.a.school, register_file(NEW_PUPILS))
    Pupil.objects.create(school=world.a.school, first_name="Zoë", last_name="Łukasz-Nowak")
    again = office.post(
        reverse(APPLY),
        {"token": preview.context["token"], "digest": preview.context["plan"].digest},
    )
    assert again.status_code == 200
    assert "register has changed" in again.content.decode()
    assert not Pupil.objects.filter(upn="A123456789012").exists()


@pytest.mark.parametrize("data", [b"", b"\x00\x01binary", b"x" * (MAX_BYTES + 1)])
def test_bad_files_get_a_form_error_not_a_500(world, data):
    response = upload(browser(world.a.office), world.a.school, data)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize("who", ["teacher", "carer", "anonymous"])
def test_others_are_refused(world, who):
    user = {"teacher": world.a.teachers["Oak"], "carer": world.a.carers["Oak"], "anonymous": None}[
        who
    ]
    client = browser(user)
    assert client.get(reverse(UPLOAD)).status_code == 302
    response = upload(client, world.a.school, register_file(NEW_PUPILS))
    assert response.status_code == 302
    assert client.post(reverse(APPLY), {"token": "0" * 32, "digest": ""}).status_code == 302
    assert not Pupil.objects.filter(upn="A123456789012").exists()


def test_pupils_typed_in_by_hand_are_recognised_only_when_it_is_certain(world):
    school = world.a.school
    Pupil.objects.create(school=school, first_name="Ann", last_name="Lee")
    Pupil.objects.create(school=school, first_name="Ann", last_name="Lee")
    Pupil.objects.create(school=school, first_name="Bo", last_name="Day", left_on=date(2026, 7, 20))
    rows = [
        oak_kid_row("Oak", **{"Legal Forename": first, "Legal Surname": last})
        for first, last in (("Ann", "Lee"), ("Bo", "Day"), ("Oakkid", "Smith"))
    ]
    plan = plan_for(world, register_file(rows))
    reasons = {p.row: p.reason for p in plan.problems}
    assert set(reasons) == {2, 3}
    assert "more than one pupil" in reasons[2]
    assert "left on 20/07/2026" in reasons[3]
    assert [(row.row, row.pupil_id, row.action) for row in plan.rows] == [
        (4, world.a.pupils["Oak"].pk, CHANGE)
    ]
