"""The appropriateness check: offensive words, pupils' names, contact details, links
outside the allow-list, talk of one child's private matters, and posts too long or empty.
Each finding has a stable code and quotes the text that caused it."""

import re
from urllib.parse import urlsplit

from . import Finding
from .rules import CASE_SENSITIVE_MATTERS
from .text import INVISIBLE, contains_phrase, normalise

PHONE = re.compile(r"(?<![\w+])(?:\+\s?44\s?\(?0?\)?|0)(?:[\s\-().]*\d){9,10}(?!\d)")
EMAIL = re.compile(
    r"[\w.+\-]+\s*(?:@|\(at\)|\[at\])\s*[\w\-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*"
    r"[\w\-]+)+",
    re.IGNORECASE,
)
POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*\d[A-Z]{2}\b", re.IGNORECASE)
STREET = re.compile(
    r"\b\d{1,4}[a-z]?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|"
    r"Close|Drive|Dr|Way|Crescent|Gardens|Grove|Place|Terrace|Court|Mews|Hill|Row)\b"
)
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')]+|\b[\w\-]+(?:\.[\w\-]+)*\.(?:com|co\.uk|"
    r"org|org\.uk|net|uk|io|shop|store|biz|info)(?:/[^\s<>\"')]*)?",
    re.IGNORECASE,
)


def check_appropriateness(texts, rules, pupils=()):
    """`texts`: (field label, text) pairs; `pupils`: Pupil-like objects with first_name
    and last_name (the school's pupils). Returns a list of Findings."""
    findings = []
    body_words = 0
    for label, text in texts:
        if not text:
            continue
        visible = INVISIBLE.sub("", text)
        if label == "Body":
            body_words = len(visible.split())
        findings += _offensive(label, text, rules)
        findings += _names(label, visible, pupils)
        findings += _contact_details(label, visible)
        findings += _links(label, visible, rules)
        findings += _private_matters(label, visible, rules)
    if body_words > rules.max_body_words:
        findings.append(
            Finding(
                "too-long",
                f"The body has {body_words} words; posts are limited to {rules.max_body_words}. "
                "Keep it short: carers read on phones.",
            )
        )
    return _unique(findings)


def _offensive(label, text, rules):
    return [
        Finding("offensive-language", f"{label}: language that is not appropriate.", word)
        for word in sorted(rules.offensive_words)
        if contains_phrase(text, word)
    ]


def _names(label, text, pupils):
    findings = []
    for pupil in pupils:
        full = f"{pupil.first_name} {pupil.last_name}"
        if contains_phrase(text, full):
            findings.append(
                Finding(
                    "pupil-full-name", f"{label}: a pupil's full name. Use first names only.", full
                )
            )
        elif _capitalised_word(text, pupil.last_name):
            findings.append(
                Finding(
                    "pupil-surname",
                    f"{label}: a pupil's surname. Use first names only.",
                    pupil.last_name,
                )
            )
    return findings


def _capitalised_word(text, word):
    """A surname as a capitalised whole word ("Baker", not "the baker")."""
    word = (word or "").strip()
    if len(word) < 2:
        return False
    folded = normalise(text)
    for match in re.finditer(r"(?<!\w)" + re.escape(normalise(word)) + r"(?!\w)", folded):
        original = text[match.start() : match.end()] if len(folded) == len(text) else word
        if original[:1].isupper():
            return True
    return False


def _contact_details(label, text):
    findings = [
        Finding("phone-number", f"{label}: a phone number.", match.group().strip())
        for match in PHONE.finditer(text)
    ]
    findings += [
        Finding("email-address", f"{label}: an e-mail address.", match.group())
        for match in EMAIL.finditer(normalise(text))
    ]
    findings += [
        Finding("postcode", f"{label}: a postcode (part of a home address).", match.group())
        for match in POSTCODE.finditer(text)
        if any(ch.isdigit() for ch in match.group())
    ]
    findings += [
        Finding("home-address", f"{label}: what looks like a street address.", match.group())
        for match in STREET.finditer(text)
    ]
    return findings


def _links(label, text, rules):
    findings = []
    for match in URL.finditer(text):
        link = match.group()
        if "@" in text[max(0, match.start() - 1) : match.start()]:
            continue  # the domain of an e-mail address, reported as such
        host = urlsplit(link if "://" in link else f"http://{link}").hostname or ""
        host = host.removeprefix("www.")
        if not any(host == d or host.endswith(f".{d}") for d in rules.allowed_link_domains):
            findings.append(
                Finding(
                    "external-link",
                    f"{label}: a link to a site that is not on the school's list of "
                    "educational sites.",
                    link,
                )
            )
    return findings


def _private_matters(label, text, rules):
    message = f"{label}: talk of one child's private matters (behaviour, health, SEN)."
    findings = [
        Finding("individual-matters", message, phrase)
        for phrase in sorted(rules.individual_matters)
        if contains_phrase(text, phrase)
    ]
    findings += [
        Finding("individual-matters", message, acronym)
        for acronym in CASE_SENSITIVE_MATTERS
        if re.search(rf"(?<!\w){acronym}(?!\w)", text)
    ]
    return findings


def _unique(findings):
    seen, result = set(), []
    for finding in findings:
        key = (finding.code, finding.excerpt.casefold())
        if key not in seen:
            seen.add(key)
            result.append(finding)
    return result
