"""The one CSV download of the leaders' tools: every cell defused against formula
injection, the response kept out of every cache (a private response), and each export
logged to the security log by what was exported (never what it held)."""

import csv
import logging

from django.http import HttpResponse

from class_pages.http import private_response

security_log = logging.getLogger("class_pages.security")

# Cells a spreadsheet would read as a formula (OWASP CSV injection), plus the tab and
# carriage return some spreadsheets strip before looking.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a cell no spreadsheet runs: a formula start gets a leading ', and
    None is an empty cell (not the word "None")."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_download(request, *, what, filename, header, rows):
    """An attachment `filename` of the header and the rows (iterables of values), every
    cell through safe_cell; logged as "export <what>"."""
    security_log.info("export %s", what, extra={"request": request})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([safe_cell(value) for value in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return private_response(response)
