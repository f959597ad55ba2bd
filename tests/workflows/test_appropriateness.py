"""Each appropriateness rule, with cases that must be found and innocent cases that
must not (whole words only, no Scunthorpe problem), including disguised text."""

from types import SimpleNamespace

import pytest

from workflows.checks.appropriateness import check_appropriateness
from workflows.checks.rules import Rules

PUPILS = [
    SimpleNamespace(first_name="Amira", last_name="Hassan"),
    SimpleNamespace(first_name="Tom", last_name="Baker"),
]


def codes(text, rules=None, label="Body"):
    found = check_appropriateness([(label, text)], rules or Rules(), PUPILS)
    return {(finding.code, finding.excerpt.casefold()) for finding in found}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("What a shit day", ("offensive-language", "shit")),
        ("What a sh\u200bit day", ("offensive-language", "shit")),  # zero-width space
        ("f\u0446ck".replace("\u0446", "\u057d"), ("offensive-language", "fuck")),  # homoglyph
        ("ＦＵＣＫ", ("offensive-language", "fuck")),  # full-width
        ("f.u.c.k this", ("offensive-language", "fuck")),
        ("sh1t", ("offensive-language", "shit")),
        ("Well done Amira Hassan!", ("pupil-full-name", "amira hassan")),
        ("Well done amira  hassan!", ("pupil-full-name", "amira hassan")),
        ("Thanks to Baker for tidying", ("pupil-surname", "baker")),
        ("Call 07700 900123 today", ("phone-number", "07700 900123")),
        ("Ring +44 20 7946 0958", ("phone-number", "+44 20 7946 0958")),
        ("Write to jo.bloggs@example.com", ("email-address", "jo.bloggs@example.com")),
        ("Write to jo (at) example (dot) com", ("email-address", "jo (at) example (dot) com")),
        ("Drop it at AB1 2CD please", ("postcode", "ab1 2cd")),
        ("Party at 12 Acacia Avenue", ("home-address", "12 acacia avenue")),
        ("Buy it at www.toys-shop.com now", ("external-link", "www.toys-shop.com")),
        ("See https://example.shop/deal", ("external-link", "https://example.shop/deal")),
        ("After his behaviour incident today", ("individual-matters", "behaviour incident")),
        ("Her EHCP review", ("individual-matters", "ehcp")),
        ("Our SEN team", ("individual-matters", "sen")),
        ("He forgot his inhaler", ("individual-matters", "inhaler")),
    ],
)
def test_rule_finds(text, expected):
    assert expected in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "We visited Scunthorpe and did a class assessment of classic stories.",
        "Please send PE kits on Tuesday.",
        "We assessed the glass harp and passed the bass.",
        "The baker showed us how bread rises.",  # surname lower-case is a word
        "Amira won the spelling bee!",  # first names are fine
        "Read more at https://www.bbc.co.uk/bitesize and www.gov.uk",
        "Year 3 scored 12 out of 20 in 2026.",
        "Pupils in class 5B made 24 cakes.",
        "Dickens wrote about Victorian London; Dick Whittington too.",
        "",
    ],
)
def test_innocent_text_has_no_findings(text):
    assert codes(text) == set()


def test_school_rules_add_words_domains_and_exceptions():
    rules = Rules().extended(
        extra_words=["bogus"], exceptions=["crap"], extra_domains=["example.org"]
    )
    assert ("offensive-language", "bogus") in codes("That is bogus", rules)
    assert codes("Crap football, said the crab", rules) == set()
    assert codes("See https://example.org/maths", rules) == set()


def test_too_long_body_is_a_clear_finding():
    found = check_appropriateness([("Body", "word " * 5000)], Rules(), PUPILS)
    assert [finding.code for finding in found] == ["too-long"]
    assert "5000 words" in found[0].message


def test_huge_odd_unicode_body_does_not_crash():
    text = "\u202e\u0000\ufeff😀 " * 20000 + "s\u0336h\u0336i\u0336t"
    found = check_appropriateness([("Body", text)], Rules(), PUPILS)
    assert {finding.code for finding in found} >= {"too-long", "offensive-language"}
