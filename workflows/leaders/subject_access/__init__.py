"""Subject access exports (UK GDPR article 15), a leaders' tool: everything the class
pages hold about one pupil, or about one carer, as a ZIP for a senior leader to review
and release. What is held is gathered in collect.py (one row builder per kind of record
in rows.py), written as the ZIP in archive.py, logged in record.py, and asked for in
views.py (the tool's listing and its POST-only downloads)."""
