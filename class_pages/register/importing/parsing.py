"""Reading the register CSV a school's MIS exports (SIMS, Arbor, Bromcom, or typed in a
spreadsheet): bytes to text (UTF-8 with or without BOM, UTF-16 from Excel, else
Windows-1252), the header row to our fields (case, spaces and punctuation ignored, with
each MIS's aliases), and each row to a `SourceRow` of plain strings with its row number.

The standard csv module does the splitting: it handles quoted fields with commas and
line breaks, CRLF line ends and doubled quotes, and it is already there. tablib would
add a dependency for the same reader, and we need our own decoding, header matching and
limits around it either way. Nothing here touches the database."""

import csv
import io
import re
from dataclasses import dataclass, field

from django.conf import settings

MAX_BYTES = getattr(settings, "CLASSPAGES_REGISTER_IMPORT_MAX_BYTES", 2 * 1024 * 1024)
MAX_ROWS = 5000

# Our field -> the header names that mean it, already folded (see `folded_header`).
CONTACT_FIELDS = ("name", "email", "relationship", "responsibility")
ALIASES = {
    "upn": ["upn", "uniquepupilnumber"],
    "first_name": ["forename", "legalforename", "firstname"],
    "preferred_name": ["preferredforename", "preferredname", "knownas"],
    "last_name": ["surname", "legalsurname", "lastname"],
    "date_of_birth": ["dateofbirth", "dob"],
    "year": ["year", "yeargroup", "ncyear"],
    "class_name": ["class", "reggroup", "form", "registrationgroup"],
}
for _slot in (1, 2):
    ALIASES[f"contact{_slot}_name"] = [f"contact{_slot}name"]
    ALIASES[f"contact{_slot}_email"] = [f"contact{_slot}email", f"contact{_slot}emailaddress"]
    ALIASES[f"contact{_slot}_relationship"] = [f"contact{_slot}relationship"]
    ALIASES[f"contact{_slot}_responsibility"] = [
        f"contact{_slot}parentalresponsibility",
        f"contact{_slot}responsibility",
    ]
HEADER_TO_FIELD = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
REQUIRED = {"first_name": "Forename", "last_name": "Surname", "class_name": "Class"}
COLUMN_LABELS = {
    "upn": "UPN",
    "first_name": "Forename",
    "preferred_name": "Preferred forename",
    "last_name": "Surname",
    "date_of_birth": "Date of birth",
    "year": "Year",
    "class_name": "Class",
    **{
        f"contact{slot}_{part}": f"Contact {slot} {label}"
        for slot in (1, 2)
        for part, label in zip(
            CONTACT_FIELDS,
            ("name", "email", "relationship", "parental responsibility"),
            strict=True,
        )
    },
}


class ImportRefused(ValueError):
    """The file cannot be read as a register at all; the message says why, plainly."""


@dataclass
class SourceRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    values: dict = field(default_factory=dict)

    def get(self, name):
        return self.values.get(name, "")


@dataclass
class SourceFile:
    rows: list
    columns: list  # our fields found in the header, in file order
    ignored: list  # header names we do not use


def folded_header(name):
    """'Contact 1 e-mail' -> 'contact1email'; 'Date of Birth' -> 'dateofbirth'."""
    return re.sub(r"[\W_]+", "", name.casefold())


def decode(data):
    if not data:
        raise ImportRefused("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            f"The file is too big ({len(data) // 1024} KB): a register export is at most "
            f"{MAX_BYTES // 1024} KB. Export only the columns listed on this page."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused("The file cannot be read as text.") from None
    if b"\x00" in data:
        raise ImportRefused(
            "This is not a CSV file (it looks like a spreadsheet or another "
            "binary file). In your MIS or spreadsheet, save it as CSV."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused("The file cannot be read as text. Save it as CSV (UTF-8) and try again.")


def header_fields(header):
    """(columns as our field names or None, ignored header names)."""
    columns, ignored, seen = [], [], {}
    for position, name in enumerate(header):
        field_name = HEADER_TO_FIELD.get(folded_header(name))
        if field_name in seen:
            raise ImportRefused(
                f"Two columns are both read as “{COLUMN_LABELS[field_name]}”: "
                f"“{header[seen[field_name]]}” and “{name}”. Remove one of them."
            )
        if field_name:
            seen[field_name] = position
        elif name.strip():
            ignored.append(name.strip())
        columns.append(field_name)
    return columns, ignored


def read_register(data):
    """The rows of a register file (bytes), or ImportRefused."""
    text = decode(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        records = list(reader)
    except csv.Error as error:
        raise ImportRefused(f"The file is not a well-formed CSV file ({error}).") from None
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    if not records:
        raise ImportRefused("The file has no rows.")
    columns, ignored = header_fields(records[0])
    found = [name for name in columns if name]
    if not found:
        raise ImportRefused(
            "The first row must name the columns (for example UPN, Forename, Surname, Date "
            "of birth, Class). This file's first row is: " + ", ".join(records[0][:6])[:200]
        )
    missing = [label for name, label in REQUIRED.items() if name not in found]
    if "upn" not in found and "date_of_birth" not in found:
        missing.append("UPN or Date of birth")
    if missing:
        raise ImportRefused("The file has no column for: " + ", ".join(missing) + ".")
    rows = []
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = {
            name: " ".join(cell.split())
            for name, cell in zip(columns, record, strict=False)
            if name is not None
        }
        rows.append(SourceRow(number=index, values=values))
    if not rows:
        raise ImportRefused("The file has a header row but no pupils.")
    if len(rows) > MAX_ROWS:
        raise ImportRefused(f"The file has {len(rows)} pupils; at most {MAX_ROWS} at a time.")
    return SourceFile(rows=rows, columns=found, ignored=ignored)
