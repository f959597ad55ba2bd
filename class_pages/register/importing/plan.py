"""What a register file would do to one school's register: each row checked (names,
dates, e-mail addresses, class, duplicates in the file, no-contact restrictions) and
matched to a pupil, then planned as created, changed, moved between classes or left
alone. A row with a problem changes nothing and is listed with its row number, the
value and the reason.

Which pupil a row is: `matching`. `Plan.digest` sums up every change, so that applying
can prove it does exactly what was previewed. Reading only: `apply` makes the changes."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from class_pages.models import ClassPage
from class_pages.register.importing.checks import contact_values, folded, row_problems
from class_pages.register.importing.matching import Register, current_classes

CREATE, CHANGE, MOVE, SAME = "create", "change", "move", "same"
PUPIL_FIELDS = ("upn", "first_name", "preferred_name", "last_name", "date_of_birth")


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class RowPlan:
    row: int
    action: str
    name: str
    pupil_id: int | None
    values: dict  # the pupil's fields as the file gives them
    contacts: dict  # slot -> contact values, or None to remove: only what changes
    class_page: ClassPage
    file_contacts: dict = field(default_factory=dict)  # slot -> the file's contact
    old_classes: list = field(default_factory=list)  # current enrolments to end
    changes: list = field(default_factory=list)  # plain words, for the preview


@dataclass
class Plan:
    school: object
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    not_in_file: int = 0

    def of(self, action):
        return [row for row in self.rows if row.action == action]

    @property
    def counts(self):
        return {action: len(self.of(action)) for action in (CREATE, CHANGE, MOVE, SAME)}

    @property
    def problem_rows(self):
        return sorted({problem.row for problem in self.problems})

    @property
    def has_changes(self):
        return any(row.action != SAME for row in self.rows)

    @property
    def digest(self):
        """Every planned change in one hash: equal digests, equal changes."""
        summary = [
            [
                row.row,
                row.action,
                row.pupil_id,
                {key: str(value) for key, value in row.values.items()},
                {str(slot): values for slot, values in row.contacts.items()},
                row.class_page.pk,
                [enrolment.pk for enrolment in row.old_classes],
            ]
            for row in self.rows
            if row.action != SAME
        ]
        summary.append([(p.row, p.column, p.value, p.reason) for p in self.problems])
        encoded = json.dumps(summary, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()


def build_plan(school, source):
    """The plan for `source` (a parsing.SourceFile) against `school`'s register now."""
    classes = current_classes(school)
    register = Register(school, classes)
    plan = Plan(school=school, ignored_columns=source.ignored)
    seen_upn, seen_person, seen_pupil = {}, {}, {}
    for source_row in source.rows:
        values, problems = row_problems(source_row, classes)
        for column, value, reason in problems:
            plan.problems.append(Problem(source_row.number, column, value, reason))
        if problems:
            continue
        number = source_row.number
        duplicate = None
        if values["upn"]:
            duplicate = seen_upn.setdefault(values["upn"], number)
            if duplicate != number:
                plan.problems.append(
                    Problem(number, "UPN", values["upn"], f"the same UPN is on row {duplicate}")
                )
                continue
        person = (
            folded(values["first_name"]),
            folded(values["last_name"]),
            values["date_of_birth"],
        )
        if not values["upn"] and seen_person.setdefault(person, number) != number:
            plan.problems.append(
                Problem(
                    number,
                    "Forename",
                    values["first_name"],
                    f"the same name and date of birth are on row {seen_person[person]}",
                )
            )
            continue
        pupil, reason = register.find(values)
        if reason:
            plan.problems.append(Problem(number, "Surname", values["last_name"], reason))
            continue
        if pupil is not None and pupil.left_on:
            plan.problems.append(
                Problem(
                    number,
                    "Forename",
                    values["first_name"],
                    f"this pupil is recorded as having left on {pupil.left_on:%d/%m/%Y}: "
                    "clear that under Pupils first if they are back",
                )
            )
            continue
        if pupil is not None and seen_pupil.setdefault(pupil.pk, number) != number:
            plan.problems.append(
                Problem(
                    number,
                    "Forename",
                    values["first_name"],
                    f"row {seen_pupil[pupil.pk]} is already this pupil",
                )
            )
            continue
        row_plan = plan_row(number, values, pupil, register, classes)
        refused = contact_refusals(row_plan, register)
        if refused:
            plan.problems.extend(refused)
            continue
        plan.rows.append(row_plan)
    in_file = {row.pupil_id for row in plan.rows}
    plan.not_in_file = sum(
        1 for pupil in register.pupils if pupil.left_on is None and pupil.pk not in in_file
    )
    return plan


def plan_row(number, values, pupil, register, classes):
    class_page = classes[folded(values["class_name"])]
    contacts = {slot: contact_values(values, slot) for slot in (1, 2)}
    pupil_values = {key: values[key] for key in PUPIL_FIELDS}
    name = f"{values['first_name']} {values['last_name']}"
    row = RowPlan(number, CREATE, name, None, pupil_values, contacts, class_page, contacts)
    if pupil is None:
        row.changes.append(f"new pupil in {class_page.class_name}")
        row.contacts = {slot: found for slot, found in contacts.items() if found}
        return row
    row.pupil_id = pupil.pk
    if not values["upn"] and pupil.upn:
        pupil_values["upn"] = pupil.upn  # a file without UPNs never removes one
    for key in PUPIL_FIELDS:
        if getattr(pupil, key) != pupil_values[key]:
            label = key.replace("_", " ").replace("upn", "UPN")
            row.changes.append(
                f"{label}: {getattr(pupil, key) or '—'} → {pupil_values[key] or '—'}"
            )
    held = register.contacts.get(pupil.pk, {})
    row.contacts = {}
    for slot in (1, 2):
        old = contact_fields(held.get(slot))
        if old != contacts[slot]:
            word = "added" if old is None else "changed" if contacts[slot] else "removed"
            row.changes.append(f"contact {slot} {word}")
            row.contacts[slot] = contacts[slot]
    enrolments = register.enrolments.get(pupil.pk, [])
    row.old_classes = [e for e in enrolments if e.class_page_id != class_page.pk]
    in_class = any(e.class_page_id == class_page.pk for e in enrolments)
    if row.old_classes or not in_class:
        old_names = ", ".join(e.class_page.class_name for e in row.old_classes) or "no class"
        row.changes.insert(0, f"moves from {old_names} to {class_page.class_name}")
        row.action = MOVE
    elif row.changes:
        row.action = CHANGE
    else:
        row.action = SAME
    return row


def shown(value):
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return value or "—"


def contact_fields(contact):
    if contact is None:
        return None
    return {
        "name": contact.name,
        "email": contact.email,
        "relationship": contact.relationship,
        "has_responsibility": contact.has_responsibility,
    }


def contact_refusals(row_plan, register):
    """Contacts in the row that match a no-contact restriction of the pupil (the one
    rule: NoContactRestriction.matches)."""
    problems = []
    for restriction in register.restrictions.get(row_plan.pupil_id, []):
        for slot, values in row_plan.file_contacts.items():
            if values and restriction.matches(values["name"], values["email"]):
                problems.append(
                    Problem(
                        row_plan.row,
                        f"Contact {slot} name",
                        values["name"] or values["email"],
                        "matches a no-contact restriction recorded for this pupil: speak to "
                        "the designated safeguarding lead",
                    )
                )
    return problems
