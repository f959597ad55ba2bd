"""End-to-end fixtures: the demo school in a live server's database, a headless Chromium
driven by Playwright, sign-in helpers and screenshots.

Every test in this folder is marked `e2e`. They need a real server thread and so a
transactional database (pytest-django's `live_server` + `transactional_db`), which does
not mix with the `world` fixture's session-long outer transaction: run them on their own,
`pytest -m e2e tests/e2e -p no:xdist` (`make test-e2e`). Collected together with other
tests, they skip and say so.

Chromium is Debian's (`/usr/bin/chromium`, or `CHROMIUM=/path`); Playwright never
downloads a browser here. axe-core comes from npm (`npm ci` puts it in node_modules/).
Screenshots go to tests/e2e/artifacts/ (one per key screen, plus one per open page of a
failed test)."""

import os
from pathlib import Path

import pytest

from tests.e2e.helpers import DESKTOP, PASSWORD, PHONE, shoot

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parent.parent
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000


def _in_this_folder(item):
    return E2E_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _in_this_folder(item):
            item.add_marker(pytest.mark.e2e)


def pytest_collection_finish(session):
    """The `world` fixture keeps one transaction open for the whole session; a live
    server's transactional test inside it would break both. Unless only e2e tests run in
    this process, they skip (before any fixture is set up)."""
    if all(_in_this_folder(item) for item in session.items):
        return
    for item in session.items:
        if _in_this_folder(item):
            item.add_marker(
                pytest.mark.skip(
                    reason="e2e tests run on their own: pytest -m e2e tests/e2e -p no:xdist"
                )
            )


@pytest.fixture
def demo(live_server, transactional_db, django_db_serialized_rollback):
    """Demo Primary (class_pages.demo) in the live server's database. Serialized rollback
    brings back what migrations made (root page, root collection, locale) after each
    test's flush, so the next test can build the school again."""
    from class_pages.demo import build_demo_school

    return build_demo_school(PASSWORD)


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """One headless Chromium for the session.

    Playwright's sync API keeps an asyncio event loop running in this thread. Two things
    follow for Django, which then believes it is in async code:
    * ORM calls from the test (seeding, checking what was stored) raise
      SynchronousOnlyOperation unless DJANGO_ALLOW_ASYNC_UNSAFE is set. It is safe here:
      the loop only talks to the browser, and the server has its own thread.
    * Database connections are thread-local only while no loop runs; with one running
      they live in a context variable, which starts empty. Left alone, the test would
      open a second connection that lacks what the test database setup stored on the
      first (the serialized contents that `django_db_serialized_rollback` restores) and
      that is not the one shared with the live server. So the connections made so far
      are handed over to the loop's side."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    thread_connections = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as playwright:
            for alias, connection in thread_connections.items():
                connections[alias] = connection
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture
def new_page(request, browser, live_server):
    """`new_page(viewport=DESKTOP)`: a page in a fresh browser context (its own cookies),
    so each person in a test has their own browser. Contexts close after the test; if
    the test failed, each open page is screenshotted first."""
    contexts = []

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            is_mobile=viewport == PHONE,
            has_touch=viewport == PHONE,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make

    failed = getattr(request.node, "_report_call", None)
    for number, context in enumerate(contexts):
        if failed is not None and failed.failed:
            for page in context.pages:
                shoot(page, f"{request.node.name}-FAILED-{number}")
        context.close()


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.relative_to(REPO)} is missing: run `npm ci` in the repository")
    return AXE_JS.read_text(encoding="utf-8")
