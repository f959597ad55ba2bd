"""Text normalisation for the rules: what a reader sees, not how it was typed. Unicode
compatibility forms folded, zero-width and other invisible characters removed, common
homoglyphs (Cyrillic, Greek, full-width) mapped to Latin letters, case folded."""

import re
import unicodedata

INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff]"
)

# Letters that look Latin but are not. NFKC already folds full-width forms.
HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "ո": "n",
        "ս": "u",
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
    }
)
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i"}
)


def normalise(text):
    """Text folded for matching; keeps length-independent word boundaries."""
    text = unicodedata.normalize("NFKC", text or "")
    text = INVISIBLE.sub("", text)
    text = text.translate(HOMOGLYPHS)
    # Strip combining marks (e.g. "fück" → "fuck"), after decomposition.
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return text.casefold()


SPACED_LETTERS = re.compile(r"(?<!\w)(?:\w[.\-_*\s]){2,}\w(?!\w)")


def collapse_spaced_letters(text):
    """ "f.u.c.k" or "s h i t" → "fuck", "shit"."""
    return SPACED_LETTERS.sub(lambda m: re.sub(r"[.\-_*\s]", "", m.group()), text)


def contains_phrase(text, phrase):
    """Whole-word (or whole-phrase) match on normalised text: 'class' does not match
    'classic', and 'ass' does not match 'class'."""
    needle = normalise(phrase).strip()
    if not needle:
        return False
    pattern = r"(?<![\w])" + r"\s+".join(map(re.escape, needle.split())) + r"(?![\w])"
    haystack = normalise(text)
    variants = {haystack, haystack.translate(LEET)}
    if " " not in needle:
        variants |= {collapse_spaced_letters(v) for v in tuple(variants)}
    return any(re.search(pattern, variant) for variant in variants)
