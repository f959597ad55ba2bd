"""Contact details and links in normalised text (see workflows.checks.text): phone
numbers (with any separators, prefixes, or spoken as words), e-mail addresses (also with
"at" and "dot" written out or bracketed), postcodes, street addresses, and links to
sites outside the school's allow-list (also "example[.]com", "hxxp://"). Each function
returns (code, what, excerpt) triples; the excerpt quotes the normalised text."""

import bisect
import re
from urllib.parse import urlsplit

SEPARATOR = r"[\s\-().]{0,3}"
# A UK number: 0, +44 or 0044 (with an optional "(0)"), then 9 or 10 digits. It may
# not run on into more digits joined by "-", "." or "/" (date ranges: 01.02.2026-03.04).
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s*44\s*(?:\(\s*0\s*\)\s*)?|\(?\s*0)"
    rf"(?:{SEPARATOR}\d){{9,10}}(?!\d)(?![\-./]\d)"
)
# A book's number, e.g. "ISBN 0 7475 3269 9", just before.
ISBN = re.compile(r"\bISBN(?:-1[03])?:?\s*$", re.IGNORECASE)
NUMBER_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "nil": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_DIGIT_WORD = rf"(?:(?:double|triple|treble)[\s,.\-]+)?(?:{'|'.join(NUMBER_WORDS)})"
# Seven or more number words in a row: "oh seven seven oh oh, nine oh oh...".
SPOKEN_NUMBER = re.compile(rf"\b{_DIGIT_WORD}(?:[\s,.\-]+{_DIGIT_WORD}){{6,}}\b", re.I)

# "at" and "dot" in brackets, braces or as words; "@" or "." with spaces round them.
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*)"
_DOT_OBFUSCATED = r"(?:\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*|\s+dot\s+)"
_DOT = rf"(?:\s*\.\s*|{_DOT_OBFUSCATED})"
# Every repeat is bounded and every match starts at the start of a word, so that no
# text (however long one word is) costs more than a pass or two.
_LABEL = r"[\w\-]{1,63}"
_LABELS = "{0,8}?"  # more labels than any real address has
_LOCAL = r"(?<![\w.+\-])[\w.+\-]{1,64}"
_START = r"(?<![\w\-.])"
# Domain endings. Those that are also English words count only in lower case, as
# addresses are typed: "farm.Shop opens" and "at goal.Net practice" are missing spaces.
# (".me", ".it", ".to", ".in" are left out: too many words.)
TLDS = (
    r"com|org|edu|gov|uk|co|ac|sch|io|biz|ly|tv|xyz|ie|eu|de|fr|es|nl|ru|cn|au|ca|nz|gg|cc"
    r"|ws|(?-i:net|info|shop|store|online|site|app|live|club|link|page|top|blog)"
)
# Not followed by another label: "bbc.co" is not the end of "bbc.co.uk".
_TLD = rf"(?:{TLDS})(?![\w\-]|\.[\w\-]|{_DOT_OBFUSCATED}[\w\-])"
_EMAIL_AT = (
    rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL}){{1,8}}",  # as typed
    rf"{_LOCAL}{_AT}{_LABEL}(?:{_DOT}{_LABEL}){_LABELS}{_DOT}{_TLD}",
)
# "at" as a word only with a written-out dot: "look at bbc.co.uk" is a link. "Buy them at
# example[.]com" is found as both: it may be either.
_EMAIL_WORD = (
    rf"{_LOCAL}\s+at\s+{_LABEL}(?:{_DOT_OBFUSCATED}{_LABEL}){_LABELS}{_DOT_OBFUSCATED}{_TLD}"
)
EMAIL = re.compile("|".join((*_EMAIL_AT, _EMAIL_WORD)), re.IGNORECASE)
EMAIL_AT = re.compile("|".join(_EMAIL_AT), re.IGNORECASE)
_LINK_DOT = rf"(?:\.|{_DOT_OBFUSCATED})"
_PATH = r"(?:/[^\s<>\"')]*)?"
URL = re.compile(
    "|".join(
        (
            rf"{_START}(?:h[tx]{{2}}ps?|ftp)://[^\s<>\"')]+",
            rf"{_START}www{_LINK_DOT}{_LABEL}(?:{_LINK_DOT}{_LABEL}){{0,8}}{_PATH}",
            rf"{_START}{_LABEL}(?:{_LINK_DOT}{_LABEL}){_LABELS}{_LINK_DOT}{_TLD}{_PATH}",
        )
    ),
    re.IGNORECASE,
)
POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*(\d[A-Z]{2})\b", re.IGNORECASE)
# Lower-case endings that make "Y6 2nd", "Y2 5km" or "KS1 3pm" look like postcodes.
NOT_INWARD = {"st", "nd", "rd", "th", "am", "pm", "cm", "mm", "km", "kg", "mg", "ml"}
STREET = re.compile(
    r"\b\d{1,4}[a-z]?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|"
    r"Close|Drive|Dr|Way|Crescent|Gardens|Grove|Place|Terrace|Court|Mews|Hill|Row)\b"
)
# "Year 4 Visit Primrose Hill" is a class, not a house number.
COUNTED = re.compile(
    r"\b(?:year|class|y|room|group|set|table|team|page|chapter|book|band|level|stage|ks|"
    r"key stage|week|day|term|number|no)\.?\s*$",
    re.IGNORECASE,
)


def phone_numbers(text):
    found = [
        match.group().strip()
        for match in PHONE.finditer(text)
        if _dialable(match.group())
        and not ISBN.search(text[max(0, match.start() - 12) : match.start()])
    ]
    for match in SPOKEN_NUMBER.finditer(text):
        if any(_dialable(number.group()) for number in PHONE.finditer(_digits(match.group()))):
            found.append(match.group())
    return [("phone-number", "a phone number", excerpt) for excerpt in found]


def _dialable(number):
    """Not a number line: "0 1 2 3 4 5 6 7 8 9" or counting down."""
    digits = re.sub(r"\D", "", number)
    steps = {int(b) - int(a) for a, b in zip(digits, digits[1:], strict=False)}
    return steps not in ({1}, {-1})


def _digits(words):
    digits = []
    for word in re.findall(r"[a-z]+", words.casefold()):
        if word in ("double", "triple", "treble"):
            digits.append(word)
        elif word in NUMBER_WORDS:
            repeat = {"double": 2, "triple": 3, "treble": 3}.get(digits[-1], 1) if digits else 1
            if repeat > 1:
                digits.pop()
            digits.append(NUMBER_WORDS[word] * repeat)
    return "".join(digits)


def email_addresses(text):
    return [("email-address", "an e-mail address", match.group()) for match in EMAIL.finditer(text)]


def addresses(text):
    found = [
        ("postcode", "a postcode (part of a home address)", match.group())
        for match in POSTCODE.finditer(text)
        if any(ch.isdigit() for ch in match.group()) and match.group(1)[1:] not in NOT_INWARD
    ]
    found += [
        ("home-address", "what looks like a street address", match.group())
        for match in STREET.finditer(text)
        if not COUNTED.search(text[max(0, match.start() - 12) : match.start()])
    ]
    return found


def links(text, allowed_domains):
    """Links to sites not on the allow-list; the domains of e-mail addresses written with
    "@" are left to the e-mail rule."""
    emails = [match.span() for match in EMAIL_AT.finditer(text)]  # in order, apart
    starts = [start for start, _ in emails]
    found = []
    for match in URL.finditer(text):
        before = bisect.bisect_right(starts, match.start()) - 1
        if before >= 0 and match.start() < emails[before][1]:
            continue
        host = _host(match.group())
        if not any(host == d or host.endswith(f".{d}") for d in allowed_domains):
            found.append(
                (
                    "external-link",
                    "a link to a site that is not on the school's list of educational sites",
                    match.group(),
                )
            )
    return found


def _host(link):
    link = re.sub(_DOT_OBFUSCATED, ".", link, flags=re.IGNORECASE)
    link = re.sub(r"^h[tx]{2}p", "http", link, flags=re.IGNORECASE)
    try:
        host = urlsplit(link if "://" in link else f"http://{link}").hostname or ""
    except ValueError:  # e.g. "http://[": not a site on the list either
        return ""
    return host.rstrip(".").removeprefix("www.")  # "bbc.co.uk." ends a sentence
