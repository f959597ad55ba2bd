"""Every benchmark in one run: prints one table, writes benchmarks/out/latest.json.

    .venv/bin/python -m benchmarks [--requests 300] [--large] ...     (or `make bench`)

What it does, in one process (every server always stopped at the end):
1. A fresh PostgreSQL bench database (BENCH_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/classpages_bench: dropped and created) and an
   emptied Redis database (BENCH_REDIS_URL, default redis://127.0.0.1:6379/11: FLUSHDB,
   that database only); a temporary private media folder.
2. The small seed (benchmarks/carer_page.py: one school, the carer's class with 20 posts
   x 3 photos), then the carer page and its public copy warmed in-process and their
   queries counted (Django test client + CaptureQueriesContext).
3. gunicorn with deploy/gunicorn.conf.py, 2 sync workers, benchmarks.bench_settings
   (production settings: DEBUG off, Redis cache and cached_db sessions, database task
   backend): server A streams files, server B has MEDIA_ACCEL_REDIRECT set.
4. At 1, 10 and 20 concurrent clients, side by side in alternating rounds on server A:
   (a) the carer's class page, signed in (session cookie), and (b) the same page public:
   /bench-public/<path>, Wagtail's serve view without its hooks, i.e. without any access
   check and without the private headers, anonymous (benchmarks/bench_urls.py). Same
   template, posts, photos, database, cache, middleware; and (c) the plain public page,
   /bench-plain/<path>: the same, with the feed rendered on each request as a stock
   Wagtail page renders its content. The headline private_vs_public_ratio is (a)/(c),
   the issue's comparison; (a)/(b), what being signed in costs, is reported beside it.
5. The media view benchmark (benchmarks/media_view.py) on servers A and B.
6. With --large, a third gunicorn on a seed_scale database (BENCH_LARGE_DATABASE_URL,
   default .../classpages_scale; its media folder BENCH_LARGE_MEDIA_ROOT) and the carer
   page of a class in the middle of that trust, measured in the same rounds as the small
   one: the large/small ratios are the point (target: at most 1.2).

Every response is checked (status, the newest post's title in the page, private headers
on the carer page); errors are counted and the run exits non-zero if there were any.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.media_view import (
    BASE_DIR,
    WORKERS,
    Server,
    Target,
    compare,
    measure_media,
    ratio_of,
    request,
)

OUT = Path(__file__).resolve().parent / "out"
PG = "postgres://postgres@127.0.0.1:5432/"
LEVELS = (1, 10, 20)


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="per page scenario and level")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--media-requests", type=int, default=1000)
    parser.add_argument("--media-concurrency", type=int, default=8)
    parser.add_argument("--only", choices=("all", "page", "media"), default="all")
    parser.add_argument("--large", action="store_true", help="also a seed_scale database")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--out", type=Path, default=OUT / "latest.json")
    args = parser.parse_args(argv)
    for name in ("requests", "rounds", "media_requests", "media_concurrency"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


# --- services ---------------------------------------------------------------------------


def recreate_database(url):
    import psycopg2

    name = url.rsplit("/", 1)[1]
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"odd database name {name!r}")
    connection = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    connection.close()
    return version


def flush_redis(url):
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    return client.info("server")["redis_version"]


def environment(database_url, redis_url, media_root, static_root, accel=False):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MEDIA_ACCEL_REDIRECT", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.bench_settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PRIVATE_MEDIA_ROOT=str(media_root),
        BENCH_STATIC_ROOT=str(static_root),
        ALLOWED_HOSTS="localhost",
    )
    if accel:
        env["MEDIA_ACCEL_REDIRECT"] = "/protected-files/"
    return env


def django_step(env, *args):
    """Run benchmarks.carer_page in a subprocess; its last stdout line is JSON."""
    result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "benchmarks.carer_page", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise SystemExit(f"benchmarks.carer_page {args[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- page checks ------------------------------------------------------------------------


def expect_page(marker, private):
    wanted = marker.encode()

    def check(status, headers, data):
        if status != 200:
            return f"HTTP {status}"
        if wanted not in data:
            return f"page without {marker!r}"
        if private and "no-store" not in headers.get("cache-control", ""):
            return "carer page not private"
        return None

    return check


def same_content(server, seed, cookie):
    """Fairness check: the carer page and the public copy show the same photos."""
    from benchmarks.carer_page import RENDITION_SRC

    _, _, private = request(server.port, "GET", seed["path"], {"Cookie": cookie})
    _, _, public = request(server.port, "GET", "/bench-public" + seed["path"])
    a, b = RENDITION_SRC.findall(private), RENDITION_SRC.findall(public)
    if not a or a != b:
        raise SystemExit(f"carer page and public copy differ: {len(a)} vs {len(b)} photos")
    return len(a)


# --- the run ----------------------------------------------------------------------------


def run(args):
    report = {"errors": 0}
    workdir = Path(tempfile.mkdtemp(prefix="classpages-bench-"))
    database_url = os.environ.get("BENCH_DATABASE_URL", PG + "classpages_bench")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    media_root, static_root = workdir / "private-media", workdir / "static"
    try:
        print(f"bench database {database_url}, Redis {redis_url}, files in {workdir}")
        postgres = recreate_database(database_url)
        redis_version = flush_redis(redis_url)
        report["machine"] = machine(postgres, redis_version)
        env = environment(database_url, redis_url, media_root, static_root)
        print(
            "migrating and seeding (one school, 20 posts x 3 photos in the carer's class) ...",
            flush=True,
        )
        seed = django_step(env, "seed")
        probe = django_step(env, "probe", seed["host"], seed["path"], seed["username"])
        report["carer_page_queries_warm"] = probe["queries_warm"]
        report["public_page_queries_warm"] = probe["public_queries_warm"]
        print(
            f"warm queries: carer page {probe['queries_warm']}, public copy "
            f"{probe['public_queries_warm']}; photos shown {probe['photos']}"
        )
        large = None
        if args.large:
            large = prepare_large(args, redis_url, static_root)
        with (
            Server(workdir, "a-stream", env) as a,
            Server(
                workdir,
                "b-accel",
                environment(database_url, redis_url, media_root, static_root, accel=True),
            ) as b,
        ):
            servers = [a, b]
            if large is not None:
                servers.append(Server(workdir, "c-large", large["env"], large["seed"]["host"]))
                servers[-1].__enter__()
            try:
                if args.only in ("all", "page"):
                    report["photos_on_page"] = same_content(a, seed, probe["cookie"])
                    pages(args, report, a, seed, probe, servers[2] if large else None, large)
                if args.only in ("all", "media"):
                    results, ratios = measure_media(
                        a,
                        b,
                        probe["cookie"],
                        seed["view_path"],
                        seed["static_path"],
                        seed["size"],
                        args.media_requests,
                        args.media_concurrency,
                        args.rounds,
                    )
                    report.update(ratios)
                    report["media"] = results
                    report["errors"] += sum(r["errors"] for r in results.values())
            finally:
                for server in servers[2:]:
                    server.stop()
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return report


def prepare_large(args, redis_url, static_root):
    database_url = os.environ.get("BENCH_LARGE_DATABASE_URL", PG + "classpages_scale")
    media_root = os.environ.get("BENCH_LARGE_MEDIA_ROOT", "/tmp/scale-media")  # noqa: S108
    db = int(redis_url.rsplit("/", 1)[1]) + 1
    large_redis = f"{redis_url.rsplit('/', 1)[0]}/{db}"
    flush_redis(large_redis)
    env = environment(database_url, large_redis, media_root, static_root)
    seed = django_step(env, "locate")
    probe = django_step(env, "probe", seed["host"], seed["path"], seed["username"])
    print(
        f"large: {seed['class']} ({seed['host']}) of {seed['classes']} classes, "
        f"{seed['posts']} live posts; warm queries {probe['queries_warm']}"
    )
    return {"env": env, "seed": seed, "probe": probe}


def pages(args, report, server, seed, probe, large_server, large):
    cookie = {"Cookie": probe["cookie"]}
    private = Target(
        "carer page (signed in)", server, seed["path"], expect_page(seed["marker"], True), cookie
    )
    public = Target(
        "same page, public",
        server,
        "/bench-public" + seed["path"],
        expect_page(seed["marker"], False),
    )
    plain = Target(
        "plain public page (feed rendered)",
        server,
        "/bench-plain" + seed["path"],
        expect_page(seed["marker"], False),
    )
    targets = [private, public, plain]
    if large is not None:
        targets.append(
            Target(
                "carer page, large trust",
                large_server,
                large["seed"]["path"],
                expect_page(large["seed"]["marker"], True),
                {"Cookie": large["probe"]["cookie"]},
            )
        )
    report["pages"] = {}
    for level in LEVELS:
        print(
            f"\n{level} concurrent client(s), {args.requests} requests per scenario, "
            f"{args.rounds} rounds, {WORKERS} gunicorn workers",
            flush=True,
        )
        results, rates = compare(targets, args.requests, level, args.rounds)
        report["pages"][str(level)] = results
        report["errors"] += sum(r["errors"] for r in results.values())
        mine = results[private.label]
        for name in ("p50", "p95", "p99"):
            report[f"{name}_ms_at_{level}"] = round(mine[f"{name}_ms"], 2)
        # The comparison: a plain public Wagtail page with the same content,
        # rendered as Wagtail renders it. Also: a public copy that reads our cached feed.
        plain_ratio, _, _ = ratio_of(results, rates, private.label, plain.label)
        report.setdefault("private_vs_public_ratio_by_concurrency", {})[str(level)] = round(
            plain_ratio, 3
        )
        overall, low, high = ratio_of(results, rates, private.label, public.label)
        report.setdefault("private_vs_public_same_cache_ratio_by_concurrency", {})[str(level)] = (
            round(overall, 3)
        )
        if large is not None:
            big = results["carer page, large trust"]
            report.setdefault("large", {})[str(level)] = {
                "p50_large_over_small": round(big["p50_ms"] / mine["p50_ms"], 3),
                "rps_small_over_large": round(mine["rps"] / big["rps"], 3),
            }
    # The headline: throughput of the private page over the public one at 10 clients.
    report["private_vs_public_ratio"] = report["private_vs_public_ratio_by_concurrency"]["10"]
    report["private_vs_public_same_cache_ratio"] = report[
        "private_vs_public_same_cache_ratio_by_concurrency"
    ]["10"]
    report["p99_over_p50_at_20"] = round(report["p99_ms_at_20"] / report["p50_ms_at_20"], 2)
    if large is not None:
        report["large"]["queries_warm"] = large["probe"]["queries_warm"]
        report["large"]["class"] = f"{large['seed']['class']} @ {large['seed']['host']}"
        report["large"]["live_posts_in_trust"] = large["seed"]["posts"]


def machine(postgres, redis_version):
    import django
    import gunicorn
    import wagtail

    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": postgres,
        "redis": redis_version,
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "gunicorn": gunicorn.__version__,
        "platform": platform.platform(),
    }


def table(report):
    rows = [
        ("carer page / plain public page, req/s at 10 clients", "private_vs_public_ratio", ""),
        (
            "carer page / public copy with our cached feed, at 10",
            "private_vs_public_same_cache_ratio",
            "",
        ),
        ("carer page queries (warm)", "carer_page_queries_warm", ""),
        ("public copy queries (warm)", "public_page_queries_warm", ""),
    ]
    for level in LEVELS:
        for name in ("p50", "p95", "p99"):
            rows.append((f"carer page {name} at {level} client(s)", f"{name}_ms_at_{level}", "ms"))
    rows += [
        ("carer page p99/p50 at 20 clients", "p99_over_p50_at_20", ""),
        ("media view (streaming) / static file, req/s", "media_view_vs_static_ratio", ""),
        ("media view (X-Accel) / static file, req/s", "media_accel_vs_static_ratio", ""),
        ("errors", "errors", ""),
    ]
    print("\n" + "=" * 64)
    for label, key, unit in rows:
        if key in report:
            print(f"{label:52s} {report[key]!s:>8} {unit}")
    for level, figures in report.get("pages", {}).items():
        rates = ", ".join(f"{label} {r['rps']:.1f}" for label, r in figures.items())
        print(f"req/s at {level:>2}: {rates}")
    if "large" in report:
        print(
            f"large trust ({report['large']['class']}, {report['large']['live_posts_in_trust']}"
            f" live posts): warm queries {report['large']['queries_warm']}"
        )
        for level in LEVELS:
            print(f"  at {level:>2}: {report['large'][str(level)]}")
    machine = report.get("machine", {})
    print(
        f"machine: {machine.get('cpu_count')} CPUs, Python {machine.get('python')}, "
        f"PostgreSQL {machine.get('postgres')}, Redis {machine.get('redis')}"
    )


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    report = run(args)
    table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"written {args.out}")
    if report["errors"]:
        raise SystemExit(f"{report['errors']} failed requests")


if __name__ == "__main__":
    main()
