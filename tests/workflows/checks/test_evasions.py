"""Disguised contact details, links, swear words and pupils' names that the
appropriateness check must still find: one test per rule, one case per disguise. The
cases live in benchmarks/data/evasions.json so benchmarks/false_positives.py counts the
same ones; each is checked as a post body, with the register below. Then the
normalisation that undoes the disguises, over the whole of Unicode where it can be."""

import json
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
import regex

from workflows.checks.appropriateness import check_appropriateness
from workflows.checks.rules import Rules
from workflows.checks.text import fold

EVASIONS = Path(__file__).resolve().parents[3] / "benchmarks" / "data" / "evasions.json"
GROUPS = json.loads(EVASIONS.read_text(encoding="utf-8"))["groups"]

PUPILS = [
    SimpleNamespace(first_name="Amira", last_name="Hassan"),
    SimpleNamespace(first_name="Tom", last_name="Baker"),
]

TESTED_RULES = {
    "phone-number",
    "email-address",
    "external-link",
    "offensive-language",
    "pupil-full-name",
    "pupil-surname",
}


def cases(*rules):
    return [
        pytest.param(group["rule"], text, excerpt, id=f"{group['trick']}-{number}")
        for group in GROUPS
        if group["rule"] in rules
        for number, (text, excerpt) in enumerate(group["cases"], 1)
    ]


def assert_found(rule, text, excerpt):
    found = check_appropriateness([("Body", text)], Rules(), PUPILS)
    hits = [finding for finding in found if finding.code == rule]
    assert hits, f"{rule} not found in {text!r}; found {found}"
    if excerpt:
        assert excerpt in {finding.excerpt.casefold() for finding in hits}
    assert all(finding.blocking for finding in hits)


@pytest.mark.parametrize("rule, text, excerpt", cases("phone-number"))
def test_disguised_phone_numbers_are_found(rule, text, excerpt):
    assert_found(rule, text, excerpt)


@pytest.mark.parametrize("rule, text, excerpt", cases("email-address"))
def test_disguised_email_addresses_are_found(rule, text, excerpt):
    assert_found(rule, text, excerpt)


@pytest.mark.parametrize("rule, text, excerpt", cases("external-link"))
def test_disguised_links_are_found(rule, text, excerpt):
    assert_found(rule, text, excerpt)


@pytest.mark.parametrize("rule, text, excerpt", cases("offensive-language"))
def test_disguised_swear_words_are_found(rule, text, excerpt):
    assert_found(rule, text, excerpt)


@pytest.mark.parametrize("rule, text, excerpt", cases("pupil-full-name", "pupil-surname"))
def test_disguised_pupil_names_are_found(rule, text, excerpt):
    assert_found(rule, text, excerpt)


def test_every_group_of_evasions_is_tested():
    assert {group["rule"] for group in GROUPS} == TESTED_RULES
    assert all(group["cases"] for group in GROUPS)


def test_the_disguised_phone_number_is_quoted_as_digits():
    """The finding quotes what a reader sees, so the teacher can find it."""
    found = check_appropriateness([("Body", "Ring \u0660\u0667\u0667\u0660\u0660 900123")], Rules())
    assert [finding.excerpt for finding in found] == ["07700 900123"]


def test_every_default_ignorable_and_tag_character_is_removed():
    ignorable = regex.compile(r"\p{Default_Ignorable_Code_Point}")
    removed = [chr(c) for c in range(0x110000) if ignorable.match(chr(c))]
    known = [
        *map(chr, range(0xE0000, 0xE0080)),  # tag characters
        "\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u17b4", "\u180e", "\u200b",
        "\u200c", "\u200d", "\u200e", "\u202a", "\u202e", "\u2060", "\u2064", "\u2066",
        "\u3164", "\ufe00", "\ufe0f", "\ufeff", "\uffa0", "\U0001d173", "\U000e0100",
    ]  # fmt: skip
    assert set(known) <= set(removed)
    assert all(fold(f"sh{char}it") == "shit" for char in removed)


def test_digits_of_every_script_become_ascii_digits():
    digits = [chr(c) for c in range(0x110000) if unicodedata.decimal(chr(c), None) is not None]
    assert len(digits) > 600
    assert all(fold(d) == str(unicodedata.decimal(d)) for d in digits)
    assert fold("\uff10\uff17 \U0001d7ce\U0001d7d5 \u24ea\u2466") == "07 07 07"  # NFKC


def test_look_alike_letters_become_latin_in_their_own_case():
    assert fold("\u0405\u041d\u0406\u0422 FU\u0421K \u0392\u0399\u03a4C\u0397") == "SHIT FUCK BITCH"
    assert fold("\u0455\u043d\u0456\u0442 f\u03c5ck") == "shit fuck"
    assert fold("Zo\u00eb Se\u00e1n \u00c5sa") == "Zoe Sean Asa"


def test_ascii_is_never_changed():
    ascii_text = "".join(map(chr, range(0x20, 0x7F))) + "\t\n"
    assert fold(ascii_text) == ascii_text
