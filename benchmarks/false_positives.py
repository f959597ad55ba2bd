"""How well the appropriateness check tells ordinary posts from disguised ones: runs the
real check (workflows.checks.appropriateness.check_post) on the 200 ordinary class posts
in benchmarks/data/ordinary_posts.json and on every evasion in
benchmarks/data/evasions.json, and prints the figures: posts, findings (false
positives), evasions tried and caught per rule and trick, and time per check. Asserts
nothing (tests/workflows/checks/test_ordinary_posts.py and test_evasions.py do).

    .venv/bin/python -m benchmarks.false_positives
"""

import json
import os
import statistics
import time
from pathlib import Path
from types import SimpleNamespace

DATA = Path(__file__).resolve().parent / "data"


def load(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def register(corpus):
    return [SimpleNamespace(first_name=first, last_name=last) for first, last in corpus["register"]]


def corpus_page(entry):
    """An unsaved StoryPostPage holding one corpus post, its media as a revision stores
    them (no database needed: the check reads the stored JSON, not images)."""
    from class_pages.models import StoryPostPage

    photos = [
        {"image": number, "alt_text": alt, "caption": caption}
        for number, (alt, caption) in enumerate(entry.get("photos", ()), 1)
    ]
    media = []
    if photos and "gallery" in entry:
        items = [{"type": "item", "value": photo, "id": f"p{n}"} for n, photo in enumerate(photos)]
        media.append({"type": "gallery", "value": {"photos": items, "caption": entry["gallery"]}})
    else:
        media += [{"type": "photo", "value": photo} for photo in photos]
    if "video" in entry:
        description, caption = entry["video"]
        media.append(
            {
                "type": "video",
                "value": {"recording": 1, "description": description, "caption": caption},
            }
        )
    return StoryPostPage(
        content_type_id=1,  # skips Page.__init__'s content type query
        title=entry["title"],
        slug=entry.get("slug", ""),
        seo_title=entry.get("seo_title", ""),
        search_description=entry.get("search_description", ""),
        body=entry["body"],
        media=media,
    )


def false_positives(corpus, rules, pupils):
    """(post title, finding) for every finding in the ordinary posts."""
    from workflows.checks.appropriateness import check_post

    return [
        (entry["title"], finding)
        for entry in corpus["posts"]
        for finding in check_post(corpus_page(entry), rules, pupils)
    ]


def evasions_caught(evasions, rules, pupils):
    """{(rule, trick): (tried, caught)}."""
    from workflows.checks.appropriateness import check_appropriateness

    figures = {}
    for group in evasions["groups"]:
        caught = 0
        for text, excerpt in group["cases"]:
            found = check_appropriateness([("Body", text)], rules, pupils)
            hits = [f for f in found if f.code == group["rule"]]
            if hits and (not excerpt or excerpt in {f.excerpt.casefold() for f in hits}):
                caught += 1
        figures[(group["rule"], group["trick"])] = (len(group["cases"]), caught)
    return figures


def milliseconds_per_check(pages, rules, pupils, repeat=3):
    from workflows.checks.appropriateness import check_post

    samples = []
    for _ in range(repeat):
        for page in pages:
            start = time.perf_counter()
            check_post(page, rules, pupils)
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.mean(samples), sorted(samples)[int(len(samples) * 0.95)]


def school_register(size=400):
    """A school-sized register of made-up names, for timing."""
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(14)
    return [
        SimpleNamespace(first_name=fake.first_name(), last_name=fake.last_name())
        for _ in range(size)
    ]


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    from workflows.checks.rules import Rules

    rules, corpus, evasions = Rules(), load("ordinary_posts.json"), load("evasions.json")
    pupils = register(corpus)
    found = false_positives(corpus, rules, pupils)
    print(f"Ordinary posts: {len(corpus['posts'])}, findings (false positives): {len(found)}")
    for title, finding in found:
        print(f"  {title}: {finding.code} {finding.excerpt!r} ({finding.message})")

    figures = evasions_caught(evasions, rules, _evasion_pupils())
    tried = sum(t for t, _ in figures.values())
    caught = sum(c for _, c in figures.values())
    print(f"Evasions: {tried} tried, {caught} caught")
    for (rule, trick), (t, c) in figures.items():
        print(f"  {rule:<20} {trick:<55} {c}/{t}")

    pages = [corpus_page(entry) for entry in corpus["posts"]]
    mean, p95 = milliseconds_per_check(pages, rules, pupils)
    print(f"Time per check, corpus post, register of {len(pupils)}: {mean:.2f} ms (p95 {p95:.2f})")
    school = school_register()
    mean, p95 = milliseconds_per_check(pages, rules, school)
    print(f"Time per check, corpus post, register of {len(school)}: {mean:.2f} ms (p95 {p95:.2f})")
    long_post = corpus_page(
        {
            "title": "A long post",
            "body": " ".join(entry["body"] for entry in corpus["posts"][:12])[:3400],
            "photos": [[f"Photo {n} of the trip", f"Caption {n}"] for n in range(30)],
            "gallery": "Thirty photos",
        }
    )
    mean, p95 = milliseconds_per_check([long_post], rules, school, repeat=20)
    print(f"Time per check, 500-word body + 30 photos, register of 400: {mean:.2f} ms")


def _evasion_pupils():
    """The register tests/workflows/checks/test_evasions.py checks the evasions with."""
    return [
        SimpleNamespace(first_name="Amira", last_name="Hassan"),
        SimpleNamespace(first_name="Tom", last_name="Baker"),
    ]


if __name__ == "__main__":
    main()
