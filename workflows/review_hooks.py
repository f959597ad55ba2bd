"""Wagtail wiring of the leaders' review (what the dashboard and the editor do when a
leader approves or requests changes); imported by workflows.wagtail_hooks so that
Wagtail registers it."""
