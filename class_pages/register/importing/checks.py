"""One register row's own values checked and made into the register's types: names
present and not too long, the UPN as the DfE writes it, dates as 2018-03-04 or the UK
04/03/2018, e-mail addresses that are e-mail addresses, a yes/no for parental
responsibility, and a class the school has this year. Each problem is (column, value,
reason) in plain words for the preview."""

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from class_pages.register.importing.parsing import COLUMN_LABELS

UPN = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
NAME_LIMITS = {"first_name": 100, "last_name": 100, "preferred_name": 100}


def folded(value):
    return " ".join((value or "").casefold().split())


def parse_date(value):
    for pattern in DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        if date(1990, 1, 1) <= parsed <= date.today():
            return parsed
    return None


def contact_values(values, slot):
    """The row's contact `slot` as RegisterContact fields, or None if it has none."""
    name, email = values[f"contact{slot}_name"], values[f"contact{slot}_email"]
    if not name and not email:
        return None
    return {
        "name": name,
        "email": email,
        "relationship": values[f"contact{slot}_relationship"],
        "has_responsibility": values[f"contact{slot}_responsibility"].casefold() in YES,
    }


def row_problems(source_row, classes):
    """(values, problems) for one SourceRow; `classes` maps folded class names to this
    year's ClassPages."""
    values = {name: source_row.get(name) for name in COLUMN_LABELS}
    problems = []

    def problem(name, reason):
        problems.append((COLUMN_LABELS[name], source_row.get(name), reason))

    for name, limit in NAME_LIMITS.items():
        if name != "preferred_name" and not values[name]:
            problem(name, "is empty")
        elif len(values[name]) > limit:
            problem(name, f"is longer than {limit} characters")
    upn = values["upn"].replace(" ", "").upper()
    if upn and (
        len(upn) != 13 or not upn[0].isalpha() or not upn[1:12].isdigit() or not upn[12].isalnum()
    ):
        problem("upn", "is not a UPN (a letter, then 11 digits, then a digit or letter)")
    values["upn"] = upn
    raw_date = values["date_of_birth"]
    values["date_of_birth"] = parse_date(raw_date) if raw_date else None
    if raw_date and values["date_of_birth"] is None:
        problem("date_of_birth", "is not a date of birth (write 2018-03-04 or 04/03/2018)")
    elif not raw_date and not upn:
        problem("date_of_birth", "is needed when the row has no UPN, to tell pupils apart")
    if not values["class_name"]:
        problem("class_name", "is empty")
    elif folded(values["class_name"]) not in classes:
        known = ", ".join(sorted(page.class_name for page in classes.values())) or "none"
        problem("class_name", f"is not a class of the school this year (classes: {known})")
    for slot in (1, 2):
        email = values[f"contact{slot}_email"]
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problem(f"contact{slot}_email", "is not an e-mail address")
        if len(values[f"contact{slot}_name"]) > 150:
            problem(f"contact{slot}_name", "is longer than 150 characters")
        if len(values[f"contact{slot}_relationship"]) > 50:
            problem(f"contact{slot}_relationship", "is longer than 50 characters")
        if values[f"contact{slot}_responsibility"].casefold() not in YES | NO:
            problem(f"contact{slot}_responsibility", "should be yes or no")
    return values, problems
