"""False positives: the real appropriateness check, on every text of each of the 200
ordinary class posts in benchmarks/data/ordinary_posts.json (built as StoryPostPages with
their photos, galleries and videos), finds nothing.

The posts are checked with the shipped rules and the corpus's own register of pupils,
not the `world` fixture's: every pupil there is called Smith, and a post that thanks
"Mr Smith" is then rightly flagged (the check cannot tell a teacher from a pupil's
father). The register's surnames are everyday words (Baker, Brown, Wood, Bird, Cook...)
that the posts use in lower case or at the start of a sentence, where a capital is no
sign of a name."""

from types import SimpleNamespace

from benchmarks.false_positives import corpus_page, false_positives, load, register
from workflows.checks.appropriateness import check_post
from workflows.checks.rules import Rules

CORPUS = load("ordinary_posts.json")


def test_the_corpus_is_two_hundred_different_posts():
    titles = [entry["title"] for entry in CORPUS["posts"]]
    assert len(titles) == 200 == len(set(titles))
    assert len({entry["body"] for entry in CORPUS["posts"]}) == 200


def test_no_ordinary_post_has_a_finding():
    found = false_positives(CORPUS, Rules(), register(CORPUS))
    assert found == [], "\n".join(f"{title}: {f.code} {f.excerpt!r}" for title, f in found)


def test_the_corpus_pages_are_really_checked():
    """The same pages, one word changed in each kind of text, are refused: the test
    above would prove nothing if the check did not read them."""
    entry = next(e for e in CORPUS["posts"] if "gallery" in e and len(e["photos"]) > 1)
    places = {
        "Title": {"title": entry["title"] + " shit"},
        "Body": {"body": entry["body"] + " shit"},
        "Media › Gallery 1 › Caption": {"gallery": "shit"},
        "Media › Gallery 1 › Photo 2 › Alt text": {
            "photos": [entry["photos"][0], ["shit", ""], *entry["photos"][2:]]
        },
        "SEO title (the browser tab's title)": {"seo_title": "shit"},
        "Search description": {"search_description": "shit"},
    }
    for where, change in places.items():
        found = check_post(corpus_page({**entry, **change}), Rules(), register(CORPUS))
        assert [f.message.split(":")[0] for f in found] == [where]


def test_the_world_fixture_register_flags_mr_smith():
    """Why the corpus has its own register (see the docstring)."""
    smiths = [SimpleNamespace(first_name="Oakkid", last_name="Smith")]
    found = false_positives(CORPUS, Rules(), smiths)
    assert {finding.excerpt for _, finding in found} == {"Smith"}
