"""Text normalisation for the rules: what a reader sees, not how it was typed. Every rule
runs on `fold(text)`, computed once per text by the check:

1. Default_Ignorable_Code_Point characters (zero-width, joiners, soft hyphen, bidi
   controls, variation selectors, Hangul fillers, the tag characters U+E0000-E0FFF...)
   and C0/C1 control characters are removed: they show nothing, so "sh\u200bit" is read
   "shit". The set comes from the Unicode data of the `regex` package.
2. NFKC: full-width, mathematical and circled letters and digits, ligatures, "＠".
3. Combining marks are removed ("fück", "s̶h̶i̶t̶").
4. Digits of every script become ASCII digits (Arabic-Indic, Devanagari...).
5. Letters that look like Latin ones become them, in the case they show ("ЅНІТ" is
   "SHIT", "ѕніт" is "shit"), from Unicode's confusables data (the
   `confusable-homoglyphs` package). ASCII is never changed.

Case is kept (surnames and "SEN" need it): rules that ignore case casefold the result."""

import re
import unicodedata
from functools import cache

import regex
from confusable_homoglyphs.confusables import confusables_data

# Tab and newlines stay: they separate words.
INVISIBLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}[\p{Cc}--[\t\n\r]]]+", regex.V1)
SMALL_CAPITAL = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])")


def fold(text):
    """The text as a reader sees it, in the letters and digits a rule can match."""
    text = INVISIBLE.sub("", text or "")
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", text).translate(_look_alikes())


def normalise(text):
    """`fold`, case-folded: for rules that ignore case."""
    return fold(text).casefold()


@cache
def _look_alikes():
    """A str.translate table: every non-ASCII digit → its ASCII digit, and every
    non-ASCII character that Unicode lists as confusable with ASCII letters or digits →
    those, in the character's own case.

    The package's data is confusables.txt as an undirected graph: a character is linked
    to its prototype, and a prototype to everything that maps to it. So a character's
    look-alike class is itself, its neighbours and theirs (the classes are stars)."""
    table = {}
    for char in confusables_data:
        if len(char) != 1 or char.isascii():
            continue
        if unicodedata.decimal(char, None) is not None:
            continue  # a digit of another script is that digit, whatever it looks like
        target = _ascii_look_alike(char, _look_alike_class(char))
        if target:
            table[ord(char)] = target
    for code in range(0x80, 0x110000):
        digit = unicodedata.decimal(chr(code), None)
        if digit is not None:
            table[code] = str(digit)
    return table


def _look_alike_class(char):
    members = {char}
    for neighbour in confusables_data.get(char, ()):
        members.add(neighbour["c"])
        members.update(item["c"] for item in confusables_data.get(neighbour["c"], ()))
    return members


def _ascii_look_alike(char, members):
    """The ASCII spelling a reader takes `char` for, or "" if none."""
    spellings = {_without_marks(member) for member in members}
    spellings = sorted(s for s in spellings if s and s.isascii() and s.isalnum())
    if not spellings:
        # Cyrillic "н", "т" look like small capitals ("ʜ", "ᴛ"): the letters H and T.
        for member in sorted(members):
            if len(member) == 1 and (match := SMALL_CAPITAL.fullmatch(_name(member))):
                spellings = [match.group(1).lower()]
                break
    if not spellings:
        return ""
    # One class can hold "l", "I" and "1" (prototype "l"): pick the one in char's case.
    if char.isupper():
        preferred = [s for s in spellings if s.isupper()] or [s.upper() for s in spellings]
    elif char.islower():
        preferred = [s for s in spellings if s.islower()] or [s.lower() for s in spellings]
    else:
        preferred = [s for s in spellings if s.isdigit()] or spellings
    return min(preferred, key=lambda s: (len(s), s))


def _without_marks(text):
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def _name(char):
    return unicodedata.name(char, "")
