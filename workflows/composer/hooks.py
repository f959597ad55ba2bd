"""Wagtail wiring of the composer (menu item, dashboard panel, admin URLs); imported by
workflows.wagtail_hooks so that Wagtail registers it."""
