"""The appropriateness check: offensive words, pupils' names, contact details, links
outside the allow-list, talk of one child's private matters, and posts too long or empty.
Each finding has a stable code, says where in the post it was found and quotes the text
(as normalised) that caused it.

Every text is normalised once (workflows.checks.text.fold) and every rule reads that:
`check_post` checks every text a page shows (see .shown), `check_appropriateness` a
list of (where, text) pairs."""

import re
from dataclasses import replace
from functools import lru_cache

import regex

from workflows.checks import Finding
from workflows.checks.appropriateness.contacts import (
    addresses,
    email_addresses,
    links,
    phone_numbers,
)
from workflows.checks.appropriateness.shown import shown_texts
from workflows.checks.appropriateness.words import PhraseMatcher
from workflows.checks.rules import CASE_SENSITIVE_MATTERS, INNOCENT_PHRASES
from workflows.checks.text import fold

__all__ = ["check_appropriateness", "check_post", "shown_texts"]

BODY = "Body"


def check_post(post, rules, pupils=()):
    """Every text `post` (a page, e.g. the revision under review as an object) shows a
    carer, checked; and a story post with neither words nor media is refused."""
    findings = check_appropriateness(shown_texts(post), rules, pupils)
    if hasattr(post, "photo_entries"):
        has_media = bool(post.photo_entries() or post.recording_entries())
        if not (post.body or "").strip() and not has_media:
            findings.append(Finding("empty-post", "The post has no text and no photos."))
    return findings


def check_appropriateness(texts, rules, pupils=()):
    """`texts`: (where, text) pairs; `pupils`: Pupil-like objects with first_name and
    last_name (the school's pupils). Returns a list of Findings."""
    offensive = _matcher(frozenset(rules.offensive_words), stretch=True, masks=True)
    matters = _matcher(frozenset(rules.individual_matters))
    names = _Names(pupils)
    findings = []
    body_words = 0
    for where, text in texts:
        seen = fold(text)
        if not seen.strip():
            continue
        lower = seen.casefold()
        if where == BODY:
            body_words = len(seen.split())
        found = _offensive(where, _without_innocent(lower), offensive)
        found += names.findings(where, seen, lower)
        for code, what, excerpt in (
            phone_numbers(seen)
            + email_addresses(seen)
            + addresses(seen)
            + links(seen, rules.allowed_link_domains)
        ):
            found.append(Finding(code, f"{where}: {what}.", excerpt))
        found += _private_matters(where, seen, lower, matters)
        findings += [replace(finding, where=where) for finding in found]
    if body_words > rules.max_body_words:
        findings.append(
            Finding(
                "too-long",
                f"The body has {body_words} words; posts are limited to {rules.max_body_words}. "
                "Keep it short: carers read on phones.",
            )
        )
    return _unique(findings)


@lru_cache(maxsize=32)
def _matcher(phrases, stretch=False, masks=False):
    return PhraseMatcher({fold(p).casefold() for p in phrases}, stretch=stretch, masks=masks)


def _without_innocent(lower):
    """Place names and phrases that contain a listed word but mean no harm."""
    lower = lower.replace("’", "'")
    for phrase in INNOCENT_PHRASES:
        if phrase in lower:
            lower = lower.replace(phrase, " ")
    return lower


def _offensive(where, lower, matcher):
    return [
        Finding("offensive-language", f"{where}: language that is not appropriate.", word)
        for word in matcher.found(lower)
    ]


class _Names:
    """Pupils' full names anywhere (case ignored; up to five separators, or none,
    between the names: "Amira.Hassan"), and surnames written as a capitalised word
    ("Baker", not "the baker"). A capital says nothing at the start of a sentence or in
    text written in capitals ("Brown bread and green beans"), so a surname alone is not
    flagged there. One expression for the whole register, however many pupils."""

    def __init__(self, pupils):
        self.full, self.surnames = {}, {}
        for pupil in pupils:
            first = " ".join(fold(pupil.first_name).casefold().split())
            last = " ".join(fold(pupil.last_name).casefold().split())
            if first and last:
                shown = f"{pupil.first_name} {pupil.last_name}"
                self.full.setdefault(
                    _key(f"{first} {last}"), (f"{first} {last}", shown, _key(last))
                )
            if len(_key(last)) >= 2:
                self.surnames.setdefault(_key(last), (last, pupil.last_name))
        spelt = tuple(sorted(name for name, _, _ in self.full.values()))
        self.full_pattern = _names_pattern(spelt, joiner=r"[\W_]{0,5}")
        spelt = tuple(sorted(last for last, _ in self.surnames.values()))
        self.surname_pattern = _names_pattern(spelt, joiner=r"\s+")

    def findings(self, where, seen, lower):
        findings, named = [], set()
        for match in self.full_pattern.finditer(lower, overlapped=True):
            _, shown, surname = self.full.get(_key(match.group()), (None, None, None))
            if shown:
                named.add(surname)
                message = f"{where}: a pupil's full name. Use first names only."
                findings.append(Finding("pupil-full-name", message, shown))
        shouted = None
        for match in self.surname_pattern.finditer(seen, overlapped=True):
            key = _key(match.group())
            if key not in self.surnames or key in named or not match.group()[:1].isupper():
                continue
            shouted = _shouted(seen) if shouted is None else shouted
            if not shouted and not _starts_sentence(seen, match.start()):
                message = f"{where}: a pupil's surname. Use first names only."
                findings.append(Finding("pupil-surname", message, self.surnames[key][1]))
        return findings


def _starts_sentence(text, start):
    """Nothing before, or the end of a sentence, a colon, a new line or a dash or
    bullet (then maybe an opening quote or bracket)."""
    before = text[max(0, start - 40) : start].rstrip(" \t\"'“‘([")
    return not before or before[-1] in ".!?:;\n•-–—"


def _key(name):
    """A name without its separators and apostrophes, to look it up."""
    return re.sub(r"[\W_]+", "", name.casefold())


@lru_cache(maxsize=32)
def _names_pattern(names, joiner):
    """Whole names (case-folded), `joiner` between their words."""
    if not names:
        return regex.compile(r"(?!)")
    alternatives = "|".join(
        joiner.join(regex.escape(word).replace("'", "['’]") for word in name.split())
        for name in sorted(names, key=len, reverse=True)
    )
    return regex.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", regex.IGNORECASE)


def _private_matters(where, seen, lower, matcher):
    message = f"{where}: talk of one child's private matters (behaviour, health, SEN)."
    findings = [Finding("individual-matters", message, phrase) for phrase in matcher.found(lower)]
    for acronym in CASE_SENSITIVE_MATTERS:
        if not re.search(rf"(?<!\w){acronym}(?!\w)", seen):
            continue
        if acronym == "SEND" and _shouted(seen):
            continue  # "PLEASE SEND PE KITS": the verb, in capitals
        findings.append(Finding("individual-matters", message, acronym))
    return findings


def _shouted(text):
    """Mostly capitals: a title or reminder written in upper case."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) / len(letters) > 0.6


def _unique(findings):
    seen, result = set(), []
    for finding in findings:
        key = (finding.code, finding.message, finding.excerpt.casefold())
        if key not in seen:
            seen.add(key)
            result.append(finding)
    return result
