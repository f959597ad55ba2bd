"""Access ends on the next request when the change is made by another process, in the
embedded default configuration (`make run`: cms.settings.dev, SQLite, no REDIS_URL).

A real `manage.py runserver` (two of them, as two gunicorn workers would be) on a
throwaway VAR_DIR with the demo school, a real HTTP client with a cookie jar, and the
changes made by `manage.py shell` in a process of its own: ending a carer's sessions,
revoking their carer link, disabling their account, and signing out on the other server.
Each time the carer's page and photo were answered (and remembered) just before, and the
very next request is refused.

Slow (migrate and seed_demo take ~15 s): `-m slow` (`make test-slow`, run by .ci/run),
not part of `make test`; only the settings check at the end is quick."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "classpages-demo"  # noqa: S105 (seed_demo's documented demo password)
OAK_PAGE = "/classes/oak-2026-27/"
WILLOW_PAGE = "/classes/willow-2026-27/"


def embedded_default_environment(var_dir):
    """The environment of `make run` on a bare machine, with its own VAR_DIR."""
    drop = {"DATABASE_URL", "REDIS_URL", "PRIVATE_MEDIA_ROOT", "SECRET_KEY", "DEBUG"}
    environment = {k: v for k, v in os.environ.items() if k not in drop}
    environment.update(
        DJANGO_SETTINGS_MODULE="cms.settings.dev",
        CLASSPAGES_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
    )
    return environment


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Demo:
    def __init__(self, var_dir):
        self.var_dir = var_dir
        self.environment = embedded_default_environment(var_dir)
        self.servers = []

    def manage(self, *args, timeout=180):
        result = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def in_another_process(self, code):
        """Run Django code in a `manage.py shell` of its own (as a command, the worker or
        an admin on another server would)."""
        return self.manage("shell", "-c", code)

    def start_server(self):
        port = free_port()
        log = open(self.var_dir / f"server-{port}.log", "w")  # noqa: SIM115 (closed at stop)
        process = subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        self.servers.append((process, log))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (self.var_dir / f"server-{port}.log").read_text()
            try:
                urllib.request.urlopen(base + "/sign-in/", timeout=5).close()  # noqa: S310
                return base
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"runserver on {port} did not answer")

    def stop(self):
        for process, log in self.servers:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A phone's browser: one cookie jar, whichever server process answers."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects
        )

    def request(self, url, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            request = urllib.request.Request(url, body)  # noqa: S310 (our local server)
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def open(self, request):
        """The status of a prepared request (its own headers, this jar's cookies)."""
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def status(self, url):
        return self.request(url)[0]

    def post_form(self, base, path, data):
        """POST as the page's form would, with its CSRF token."""
        _, page, _ = self.request(base + path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return self.request(base + path, {**data, "csrfmiddlewaretoken": token[1].decode()})

    def sign_in(self, base, username):
        status, _, headers = self.post_form(
            base, "/sign-in/", {"username": username, "password": PASSWORD}
        )
        assert status == 302 and headers["Location"] == "/my-classes/", status

    def page_and_photo(self, base, page):
        """The class page and the first photo on it, both answered."""
        status, body, _ = self.request(base + page)
        assert status == 200
        photos = re.findall(rb'/files/images/[^"\s,]+', body)
        assert photos, "no photo on the class page"
        photo = photos[0].decode()
        assert self.status(base + photo) == 200
        return photo

    def remembered(self, base, page):
        """Fetched twice, so the answers are remembered (and the feed cached)."""
        self.page_and_photo(base, page)
        return self.page_and_photo(base, page)


def refused(status):
    """404 for a signed-in person who may not see it, a sign-in redirect otherwise."""
    return status in (302, 404)


slow = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    site = Demo(tmp_path_factory.mktemp("embedded-default"))
    site.manage("migrate", "--noinput")
    site.manage("seed_demo")
    try:
        site.a, site.b = site.start_server(), site.start_server()
        yield site
    finally:
        site.stop()


@slow
def test_sessions_ended_by_another_process_end_at_once(demo):
    carer = Browser()
    carer.sign_in(demo.a, "carer.oak")
    photo = carer.remembered(demo.a, OAK_PAGE)
    demo.in_another_process(
        "from class_pages.models import SignedInSession\n"
        "SignedInSession.objects.filter(user__username='carer.oak').end_all('test')"
    )
    status, _, headers = carer.request(demo.a + OAK_PAGE)
    assert status == 302 and headers["Location"].startswith("/sign-in/")
    assert carer.status(demo.a + photo) == 302
    assert carer.status(demo.a + "/my-classes/") == 302


@slow
def test_a_carer_link_revoked_by_another_process_ends_at_once(demo):
    carer = Browser()
    carer.sign_in(demo.a, "carer.oak")
    photo = carer.remembered(demo.a, OAK_PAGE)
    carer.remembered(demo.b, OAK_PAGE)
    demo.in_another_process(
        "from class_pages.models import CarerLink\n"
        "for link in CarerLink.objects.filter(carer__username='carer.oak'):\n"
        "    link.status = CarerLink.Status.REVOKED\n"
        "    link.status_reason = 'test: court order'\n"
        "    link.save()"
    )
    for server in (demo.a, demo.b):
        assert carer.status(server + OAK_PAGE) == 404
        assert carer.status(server + photo) == 404
    # Still signed in: it is the access that ended, not the session.
    assert carer.status(demo.a + "/my-classes/") == 200


@slow
def test_signing_out_on_one_server_process_signs_out_on_the_other(demo):
    carer = Browser()
    carer.sign_in(demo.a, "carer.willow")
    photo = carer.remembered(demo.a, WILLOW_PAGE)
    carer.remembered(demo.b, WILLOW_PAGE)
    kept = "; ".join(f"{cookie.name}={cookie.value}" for cookie in carer.jar)
    _, page, _ = carer.request(demo.b + "/my-classes/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
    status, _, _ = carer.request(demo.b + "/sign-out/", {"csrfmiddlewaretoken": token})
    assert status == 302
    # Someone who kept the old session cookie (a shared computer) gets nowhere on A.
    for path in (WILLOW_PAGE, photo):
        request = urllib.request.Request(demo.a + path, headers={"Cookie": kept})  # noqa: S310
        assert refused(Browser().open(request))


@slow
def test_an_account_disabled_by_another_process_is_refused_at_once(demo):
    carer = Browser()
    carer.sign_in(demo.a, "carer.willow")
    photo = carer.remembered(demo.a, WILLOW_PAGE)
    carer.remembered(demo.b, WILLOW_PAGE)
    demo.in_another_process(
        "from django.contrib.auth import get_user_model\n"
        "user = get_user_model().objects.get(username='carer.willow')\n"
        "user.is_active = False\n"
        "user.save()"
    )
    for server in (demo.a, demo.b):
        status, _, headers = carer.request(server + WILLOW_PAGE)
        assert status == 302 and headers["Location"].startswith("/sign-in/")
        assert carer.status(server + photo) == 302


def test_the_embedded_default_remembers_only_in_a_cache_every_process_shares():
    """Quick guard for base.py: sessions and remembered answers in the shared file cache
    under VAR_DIR, never in one process's memory (production: Redis or nothing)."""
    from cms.settings import dev

    default = dev.CACHES["default"]
    assert default["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert Path(default["LOCATION"]).is_relative_to(dev.VAR_DIR)
    assert dev.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


@slow
def test_the_file_cache_is_keyed_by_the_database(tmp_path):
    """Files outlive processes: another database on the same VAR_DIR (ids repeat) must not
    meet this one's remembered answers."""
    code = "from django.conf import settings; print(settings.CACHES['default']['KEY_PREFIX'])"

    def prefix(database):
        environment = embedded_default_environment(tmp_path)
        environment["DATABASE_URL"] = f"sqlite:///{tmp_path / database}"
        result = subprocess.run(  # noqa: S603 (our own interpreter and settings)
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert prefix("one.sqlite3") != prefix("two.sqlite3")
