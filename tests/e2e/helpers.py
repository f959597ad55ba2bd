"""Helpers for the browser tests: screenshots and signing in as a carer or as staff."""

import re
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "classpages-demo"  # the documented demo password
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def shoot(page, name):
    """Save a full-page screenshot as tests/e2e/artifacts/<name>.png; return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def sign_in_carer(page, username, password=PASSWORD):
    """Sign a carer in on the public site; they land on "My classes"."""
    page.goto("/sign-in/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/my-classes/")


def sign_in_staff(page, username, password=PASSWORD):
    """Sign a member of staff in to the Wagtail admin; they land on its dashboard."""
    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
