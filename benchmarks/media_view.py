"""Throughput of the authorising file view (/files/<name>) next to a plain static file
served by the same gunicorn, both with the view streaming the bytes itself (server A)
and with MEDIA_ACCEL_REDIRECT set (server B: the view answers with an empty body and an
X-Accel-Redirect header; nginx, absent here, would send the file). Part of
`python -m benchmarks` (benchmarks/run_all.py); on its own:

    .venv/bin/python -m benchmarks.media_view [--media-requests 1000] [--media-concurrency 8]

This module also holds what every benchmark here shares: gunicorn started with
deploy/gunicorn.conf.py on a free loopback port, the HTTP client, and the load loop.

The load generator is Python threads, each with its own http.client connection, in the
benchmark process. Why not wrk: every response is checked (status, a marker in the body,
the X-Accel-Redirect header), latencies are kept per request for exact percentiles, and
nothing needs installing. gunicorn's sync workers close the connection after each
response, as they do behind nginx, so every request opens a new loopback connection
(http.client does so by itself); that costs the same in every scenario. The client runs
on the same machine and takes CPU from the server: compare ratios, not absolute figures,
with other machines.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"
HOST = "127.0.0.1"
ACCEL_PREFIX = "/protected-files/"
WORKERS = 2
# What nginx adds to every request it hands to gunicorn (production trusts it).
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn (deploy/gunicorn.conf.py, WORKERS workers) on a loopback port with the
    given environment; a context manager that always stops it."""

    def __init__(self, workdir, name, env, host_header="localhost"):
        self.port = free_port()
        self.name = name
        self.host_header = host_header
        self.env = {
            **env,
            "GUNICORN_BIND": f"{HOST}:{self.port}",
            "GUNICORN_WORKERS": str(WORKERS),
            "GUNICORN_ACCESS_LOG": str(workdir / f"access-{name}.log"),
        }
        self.log = workdir / f"gunicorn-{name}.log"
        self.process = None

    def __enter__(self):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "-c", str(GUNICORN_CONF), "cms.wsgi"]
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

    def _wait_until_ready(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited early; see {self.log}")
            try:
                status, _, _ = request(self.port, "GET", "/sign-in/", host=self.host_header)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} did not answer in {timeout:.0f} s: {self.log}")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the session this script started
            self.process.wait(timeout=5)


# --- HTTP ---------------------------------------------------------------------------


def request(port, method, path, headers=None, body=None, connection=None, host="localhost"):
    """One request as nginx would pass it; returns (status, headers with lower-case
    names, body bytes)."""
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(
            method, path, body=body, headers={"Host": host, **PROXY_HEADERS, **(headers or {})}
        )
        response = conn.getresponse()
        data = response.read()
        merged = {}
        for name, value in response.getheaders():
            key = name.lower()
            merged[key] = f"{merged[key]}\n{value}" if key in merged else value
        return response.status, merged, data
    finally:
        if connection is None:
            conn.close()


# --- load ---------------------------------------------------------------------------


def hammer(target, total, concurrency, time_limit):
    """`total` GETs of target.path from `concurrency` threads, for at most `time_limit`
    seconds. Returns (requests done, seconds, latencies in seconds, failures)."""
    lock = threading.Lock()
    remaining = [total]
    latencies, failures = [], []
    deadline = time.monotonic() + time_limit

    def worker():
        conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
        mine = []
        try:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        break
                    remaining[0] -= 1
                start = time.perf_counter()
                try:
                    status, headers, data = request(
                        target.port,
                        "GET",
                        target.path,
                        headers=target.headers,
                        connection=conn,
                        host=target.host,
                    )
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    with lock:
                        failures.append(repr(error))
                    continue
                mine.append(time.perf_counter() - start)
                problem = target.check(status, headers, data)
                if problem:
                    with lock:
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
    return len(latencies), time.perf_counter() - started, latencies, failures


class Target:
    """What one scenario requests: label, server port, Host, path, headers, check."""

    def __init__(self, label, server, path, check, headers=None, host=None, min_bytes=0):
        self.label, self.port, self.path, self.check = label, server.port, path, check
        self.min_bytes = min_bytes  # for wrk, which sees no bodies: bytes per response
        self.headers = headers or {}
        self.host = host or server.host_header


def percentile(ordered, fraction):
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(label, done, elapsed, latencies, failures):
    ordered = sorted(latencies) or [float("nan")]
    result = {
        "label": label,
        "requests": done,
        "seconds": round(elapsed, 3),
        "rps": done / elapsed if elapsed else 0.0,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": percentile(ordered, 0.95) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "errors": len(failures),
        "first_error": failures[0] if failures else None,
    }
    print(
        f"  {label:44s} {result['rps']:7.1f} req/s  p50 {result['p50_ms']:7.1f}  "
        f"p95 {result['p95_ms']:7.1f}  p99 {result['p99_ms']:7.1f} ms  "
        f"({done} in {elapsed:.1f} s, {len(failures)} errors)",
        flush=True,
    )
    return result


def compare(targets, total, concurrency, rounds, time_limit=60.0):
    """Measure the targets side by side: a short warm-up, then `rounds` rounds each
    running every target in turn with total/rounds requests, so that all see the same
    machine. Returns ({label: summary}, {label: [req/s of each round]})."""
    per_round = max(1, total // rounds)
    budget = time_limit / rounds
    for target in targets:
        hammer(target, min(50, per_round), concurrency, budget)
    totals = {target.label: [0, 0.0, [], []] for target in targets}
    rates = {target.label: [] for target in targets}
    for _ in range(rounds):
        for target in targets:
            done, elapsed, latencies, failures = hammer(target, per_round, concurrency, budget)
            entry = totals[target.label]
            entry[0] += done
            entry[1] += elapsed
            entry[2] += latencies
            entry[3] += failures
            rates[target.label].append(done / elapsed if elapsed else 0.0)
    return {label: summary(label, *entry) for label, entry in totals.items()}, rates


def ratio_of(results, rates, numerator, denominator):
    """(overall ratio of req/s, lowest and highest ratio within one round)."""
    per_round = [a / b for a, b in zip(rates[numerator], rates[denominator], strict=True) if b]
    overall = results[numerator]["rps"] / results[denominator]["rps"]
    return overall, min(per_round), max(per_round)


# --- the media view scenarios ---------------------------------------------------------


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


WRK_RATE = re.compile(r"Requests/sec:\s+([0-9.]+)")
WRK_TRANSFER = re.compile(r"Transfer/sec:\s+([0-9.]+)([KMG]?B)")
WRK_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)|Socket errors:.*")


def wrk_rate(target, seconds=3, connections=8):
    """req/s of `target` by wrk (C, one thread): the server, not a Python client, is then
    what limits the rate. None when wrk is not installed; errors are counted as failures."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None, 0
    sent = {**PROXY_HEADERS, **target.headers}  # as nginx would forward it, like the client
    headers = [arg for name, value in sent.items() for arg in ("-H", f"{name}: {value}")]
    result = subprocess.run(  # noqa: S603 - wrk from the system, fixed arguments
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            f"Host: {target.host}",
            *headers,
            f"http://{HOST}:{target.port}{target.path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=False,
    )
    rate = WRK_RATE.search(result.stdout)
    bad = WRK_BAD.search(result.stdout)
    if rate and target.min_bytes:
        # Every response must have carried the file: bytes per request at least its size.
        amount, unit = WRK_TRANSFER.search(result.stdout).groups()
        scale = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]
        if float(amount) * scale / float(rate.group(1)) < target.min_bytes:
            bad = True
    if bad or not rate:
        print(f"  wrk: {target.label}: {result.stdout.strip()[-300:]}", flush=True)
    return (float(rate.group(1)) if rate else 0.0), (1 if bad or not rate else 0)


def wrk_ratios(targets, pairs, rounds):
    """Alternating wrk rounds over the targets; {key: (overall, low, high)}, errors."""
    rates = {target.label: [] for target in targets}
    errors = 0
    for _ in range(rounds):
        for target in targets:
            rate, bad = wrk_rate(target)
            if rate is None:
                return {}, 0
            rates[target.label].append(rate)
            errors += bad
    for target in targets:
        print(f"  {target.label:45s} {statistics.mean(rates[target.label]):8.1f} req/s (wrk)")
    out = {}
    for key, numerator, denominator in pairs:
        per_round = [a / b for a, b in zip(rates[numerator], rates[denominator], strict=True)]
        overall = sum(rates[numerator]) / sum(rates[denominator])
        out[key] = (overall, min(per_round), max(per_round))
    return out, errors


MEDIA_PAIRS = (
    ("media_view_vs_static_ratio", "A: view, streaming", "A: plain static file"),
    ("media_accel_vs_static_ratio", "B: view, X-Accel-Redirect", "B: plain static file"),
    ("media_accel_vs_streaming_ratio", "B: view, X-Accel-Redirect", "A: view, streaming"),
)


def measure_media(
    streaming, accel, cookie, view_path, static_path, size, requests, concurrency, rounds
):
    """The four media scenarios on servers A (streaming) and B (X-Accel-Redirect)."""
    headers = {"Cookie": cookie}
    print(
        f"\nmedia: one carer rendition, {size} bytes, {requests} requests per scenario, "
        f"{concurrency} client threads\n  view:   {view_path}\n  static: {static_path}",
        flush=True,
    )
    targets = [
        Target(
            "A: plain static file", streaming, static_path, expect_file(size), headers, None, size
        ),
        Target("A: view, streaming", streaming, view_path, expect_file(size), headers, None, size),
        Target("B: plain static file", accel, static_path, expect_file(size), headers, None, size),
        Target("B: view, X-Accel-Redirect", accel, view_path, expect_accel(view_path), headers),
    ]
    # The Python client checks every response (status, bytes, headers) and gives exact
    # percentiles, but at this rate it competes with the servers for the two cores.
    results, rates = compare(targets, requests, concurrency, rounds)
    ratios = {}
    for key, numerator, denominator in MEDIA_PAIRS:
        overall, low, high = ratio_of(results, rates, numerator, denominator)
        ratios[f"{key}_python_client"] = round(overall, 3)
        print(f"  {key:40s} {overall:6.2f}   (rounds {low:.2f}-{high:.2f}, Python client)")
    # wrk (C) leaves the cores to the servers: the headline ratios when it is installed.
    by_wrk, errors = wrk_ratios(targets, MEDIA_PAIRS, rounds)
    for key, (overall, low, high) in by_wrk.items():
        print(f"  {key:40s} {overall:6.2f}   (rounds {low:.2f}-{high:.2f}, wrk)")
    for key, *_ in MEDIA_PAIRS:
        ratios[key] = round(by_wrk[key][0], 3) if by_wrk else ratios[f"{key}_python_client"]
    ratios["media_ratios_measured_by"] = "wrk" if by_wrk else "python client"
    ratios["media_wrk_errors"] = errors
    return results, ratios


def main():
    from benchmarks.run_all import main as run_all

    run_all(["--only", "media", *sys.argv[1:]])


if __name__ == "__main__":
    main()
