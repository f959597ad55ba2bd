"""Every leaders' tool of the admin, each a Wagtail ViewSet in the one "Leaders" menu
group (menu.py), behind the one leaders' gate (gate.py), exporting through the one safe
CSV download (export.py): oversight (with the monitoring reviews), the audit log, concern
reports triage, removing access, signed-in sessions, the trust overview, the new school
year, erasing a pupil and subject access requests."""
