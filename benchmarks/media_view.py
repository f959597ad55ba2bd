"""Throughput of the authorising file view (/files/<name>) next to a plain static file
served by the same gunicorn, both with the view streaming the bytes itself and with
MEDIA_ACCEL_REDIRECT set (the view then answers with an empty body and an
X-Accel-Redirect header; nginx, absent here, would send the file). Prints figures and
ratios; asserts nothing.

    .venv/bin/python -m benchmarks.media_view [--requests 2000] [--concurrency 8] [--rounds 4]

What it does: a throwaway SQLite database and private media folder in a temporary
directory, `migrate` and `seed_demo`, one rendition of a live Oak post image (what the
carer's class page shows) copied to a static folder; then gunicorn (`cms.wsgi`, 2 sync
workers, benchmarks.bench_settings) on a free loopback port, signed in as carer.oak, and
the same number of requests to each URL from concurrent client threads. Two gunicorns
run side by side, A without and B with MEDIA_ACCEL_REDIRECT, and the measurements
alternate in rounds (A static, A view, B static, B view, ...) so that all see the same
machine; both servers are always stopped at the end.
The load generator runs on the same machine and takes CPU from the server: compare the
ratios, not the absolute figures, with other machines.
"""

import argparse
import http.client
import io
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USERNAME = "carer.oak"
PASSWORD = "classpages-demo"  # noqa: S105 - the demo accounts' documented password
RENDITION = "fill-800x600"
ACCEL_PREFIX = "/protected-files/"
WORKERS = 2
TIME_LIMIT = 60.0  # seconds, per measured scenario (all its rounds together)


# --- setting up the throwaway site --------------------------------------------------


def prepare(workdir):
    """Create and seed the database; return (rendition URL, static URL, file size)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="benchmarks.bench_settings",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        CLASSPAGES_VAR_DIR=str(workdir / "var"),
        PRIVATE_MEDIA_ROOT=str(workdir / "private-media"),
        BENCH_STATIC_ROOT=str(workdir / "static"),
    )
    # The streaming run must stream, whatever the caller's environment says.
    os.environ.pop("MEDIA_ACCEL_REDIRECT", None)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from class_pages.access import can_view_image_as_carer
    from class_pages.models import LiveImageUse

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", stdout=io.StringIO())
    carer = get_user_model().objects.get(username=USERNAME)
    uses = LiveImageUse.objects.filter(post__live=True).select_related("image").order_by("pk")
    image = next(use.image for use in uses if can_view_image_as_carer(carer, use.image))
    rendition = image.get_rendition(RENDITION)
    source = Path(rendition.file.path)
    static_dir = workdir / "static"
    static_dir.mkdir()
    shutil.copyfile(source, static_dir / source.name)
    connections.close_all()  # gunicorn's workers open their own
    return rendition.url, f"/bench-static/{source.name}", source.stat().st_size


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn on a loopback port; a context manager that always stops it."""

    def __init__(self, workdir, accel):
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.pop("MEDIA_ACCEL_REDIRECT", None)
        if accel:
            self.env["MEDIA_ACCEL_REDIRECT"] = ACCEL_PREFIX
        self.log = workdir / f"gunicorn-{'accel' if accel else 'stream'}.log"
        self.process = None

    def __enter__(self):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn),
            "cms.wsgi",
            "-w",
            str(WORKERS),
            "--bind",
            f"{HOST}:{self.port}",
            "--log-level",
            "warning",
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
                command,
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def _wait_until_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log}")
            try:
                status, _, _ = request(self.port, "GET", "/sign-in/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log}")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)  # the session this script started
            self.process.wait(timeout=5)


# --- HTTP ---------------------------------------------------------------------------


def request(port, method, path, headers=None, body=None, connection=None):
    """One request; returns (status, headers dict with lower-case names, body bytes)."""
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        # Repeated headers (Set-Cookie) are joined with a newline.
        merged = {}
        for name, value in response.getheaders():
            key = name.lower()
            merged[key] = f"{merged[key]}\n{value}" if key in merged else value
        return response.status, merged, data
    finally:
        if connection is None:
            conn.close()


def cookies_from(headers):
    jar = SimpleCookie()
    for line in headers.get("set-cookie", "").split("\n"):
        if line:
            jar.load(line)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(port):
    """POST the sign-in form like a browser; return the Cookie header to send."""
    status, headers, page = request(port, "GET", "/sign-in/")
    csrf_cookie = cookies_from(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = urlencode(
        {"csrfmiddlewaretoken": token, "username": USERNAME, "password": PASSWORD, "next": ""}
    )
    status, headers, _ = request(
        port,
        "POST",
        "/sign-in/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
        },
        body=form,
    )
    session = cookies_from(headers).get("sessionid")
    if status != 302 or not session:
        raise RuntimeError(f"sign-in as {USERNAME} failed (HTTP {status})")
    return f"csrftoken={csrf_cookie}; sessionid={session}"


# --- load ---------------------------------------------------------------------------


def hammer(port, path, cookie, total, concurrency, check, time_limit=TIME_LIMIT):
    """`total` GETs of `path` from `concurrency` threads, for at most `time_limit`
    seconds. Returns (requests done, seconds, latencies in seconds, failures)."""
    lock = threading.Lock()
    remaining = [total]
    latencies, failures = [], []
    deadline = time.monotonic() + time_limit

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine = []
        try:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        break
                    remaining[0] -= 1
                start = time.perf_counter()
                try:
                    # gunicorn's sync workers close every connection; http.client
                    # reconnects by itself on the next request.
                    status, headers, data = request(
                        port, "GET", path, headers={"Cookie": cookie}, connection=conn
                    )
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    failures.append(repr(error))
                    continue
                mine.append(time.perf_counter() - start)
                problem = check(status, headers, data)
                if problem:
                    failures.append(problem)
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(latencies), elapsed, latencies, failures


def expect_file(size):
    def check(status, headers, data):
        if status != 200 or len(data) != size:
            return f"HTTP {status}, {len(data)} bytes"
        return None

    return check


def expect_accel(path):
    wanted = ACCEL_PREFIX + path.removeprefix("/files/")

    def check(status, headers, data):
        header = headers.get("x-accel-redirect")
        if status != 200 or data or header != wanted:
            return f"HTTP {status}, {len(data)} bytes, X-Accel-Redirect {header!r}"
        return None

    return check


def summary(label, done, elapsed, latencies):
    latencies = sorted(latencies)
    result = {
        "label": label,
        "requests": done,
        "seconds": elapsed,
        "rps": done / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
    }
    print(
        f"  {label:44s} {result['rps']:8.0f} req/s   p50 {result['p50'] * 1000:6.1f} ms"
        f"   p95 {result['p95'] * 1000:6.1f} ms   ({done} requests in {elapsed:.1f} s)",
        flush=True,
    )
    return result


def compare(scenarios, total, concurrency, rounds):
    """Measure the scenarios side by side: `rounds` rounds, each running every scenario
    in turn with total/rounds requests, so that all see the same machine (other load,
    CPU frequency). A scenario is (label, port, cookie, path, check). Returns one
    summary per label and the req/s of each round per label."""
    per_round = max(1, total // rounds)
    budget = TIME_LIMIT / rounds
    totals = {scenario[0]: [0, 0.0, []] for scenario in scenarios}
    per_round_rps = {scenario[0]: [] for scenario in scenarios}
    for _label, *target in scenarios:  # warm-up: imports, connections, file cache
        hammer(*target[:3], min(100, per_round), concurrency, target[3], budget)
    for _ in range(rounds):
        for label, port, cookie, path, check in scenarios:
            done, elapsed, latencies, failures = hammer(
                port, path, cookie, per_round, concurrency, check, budget
            )
            if failures:
                raise RuntimeError(f"{label}: {len(failures)} failed requests: {failures[0]}")
            entry = totals[label]
            entry[0] += done
            entry[1] += elapsed
            entry[2] += latencies
            per_round_rps[label].append(done / elapsed)
    return {label: summary(label, *totals[label]) for label in totals}, per_round_rps


def ratio_of(results, rounds, numerator, denominator):
    """(overall ratio of req/s, lowest and highest ratio within one round)."""
    per_round = [a / b for a, b in zip(rounds[numerator], rounds[denominator], strict=True)]
    overall = results[numerator]["rps"] / results[denominator]["rps"]
    return overall, min(per_round), max(per_round)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="classpages-bench-"))
    try:
        print(f"setting up a throwaway site in {workdir} (migrate, seed_demo) ...", flush=True)
        view_path, static_path, size = prepare(workdir)
        print(
            f"file: one {RENDITION} rendition, {size} bytes; gunicorn cms.wsgi, {WORKERS} sync "
            f"workers; {args.requests} requests per scenario, {args.concurrency} client "
            f"threads, signed in as {USERNAME}\n  view:   {view_path}\n  static: {static_path}",
            flush=True,
        )
        # Both servers run at once and the rounds alternate between them, so that every
        # figure, across the two settings too, is taken under the same conditions.
        with Server(workdir, accel=False) as streaming, Server(workdir, accel=True) as accel:
            print(
                f"\ngunicorn A without MEDIA_ACCEL_REDIRECT (port {streaming.port}), "
                f"gunicorn B with it (port {accel.port}); {args.rounds} alternating rounds",
                flush=True,
            )
            a_cookie, b_cookie = sign_in(streaming.port), sign_in(accel.port)
            static_check = expect_file(size)
            results, rounds = compare(
                [
                    ("A: plain static file", streaming.port, a_cookie, static_path, static_check),
                    ("A: view, streaming", streaming.port, a_cookie, view_path, static_check),
                    ("B: plain static file", accel.port, b_cookie, static_path, static_check),
                    (
                        "B: view, X-Accel-Redirect",
                        accel.port,
                        b_cookie,
                        view_path,
                        expect_accel(view_path),
                    ),
                ],
                args.requests,
                args.concurrency,
                args.rounds,
            )
        print("\nratios of req/s: overall (lowest-highest within one round)")
        for label, numerator, denominator in (
            ("view streaming / static file (A)", "A: view, streaming", "A: plain static file"),
            (
                "view X-Accel-Redirect / static file (B)",
                "B: view, X-Accel-Redirect",
                "B: plain static file",
            ),
            (
                "view X-Accel-Redirect (B) / view streaming (A)",
                "B: view, X-Accel-Redirect",
                "A: view, streaming",
            ),
        ):
            overall, low, high = ratio_of(results, rounds, numerator, denominator)
            print(f"  {label:48s} {overall:6.2f}   ({low:.2f}-{high:.2f})")
        print(
            "\nThe plain static file is served by Django's static view in the same gunicorn. "
            "With\nX-Accel-Redirect the figures are Django's share only: the body is empty "
            "and nginx\nwould send the file."
        )
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
