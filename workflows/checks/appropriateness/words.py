"""Finding listed words and phrases in normalised (case-folded) text, the way people
disguise them: whole words only ("class" never matches "ass"), with look-alike digits
and symbols ("sh1t", "$h!t", "fvck"), stretched letters ("fuuuuck"), letters spaced
out ("s h i t", "f.u.c.k") and letters masked ("f**k", "sh*t")."""

from functools import lru_cache
from itertools import groupby

import regex

# What each letter may be written as. Only ever used inside a listed word, with at
# least two real letters (so "455" or "a55" is never "ass").
LOOK_ALIKES = {
    "a": "a4@",
    "b": "b8",
    "e": "e3",
    "g": "g9",
    "i": "i1!l|",
    "l": "l1|i",
    "o": "o0",
    "s": "s5$",
    "t": "t7+",
    "u": "uv",
}
MASKS = "*#%@$!?"

# Single letters with 1-3 separators between them: "s h i t", "f . u . c . k".
SPACED_LETTERS = regex.compile(
    r"(?<![^\W\d_])(?:[^\W\d_][\s.\-_*·•/|+~]{1,3}){2,}[^\W\d_](?![^\W\d_])"
)
SEPARATORS = regex.compile(r"[\s.\-_*·•/|+~]+")
# A word that starts and ends with a letter and has a mask symbol inside: "f**k".
MASKED_WORD = regex.compile(
    r"(?<![\w*#%@$!?])[^\W\d_][\w*#%@$!?]{0,30}[*#%@$!?][\w*#%@$!?]{0,30}[^\W\d_]"
)
# A letter held for more than three: kept at three ("fuuuuuuuck" is "fuuuck"), so that
# matching a stretched letter never has to run to the end of a long run.
HELD = regex.compile(r"(.)\1{3,}")


class PhraseMatcher:
    """The listed phrases (already normalised and case-folded) found in a text.

    `stretch`: a letter may be repeated three times or more ("shiiiit"); twice is not
    enough, or "moong dal" would be "mong". `masks`: "f**k" is "fuck"."""

    def __init__(self, phrases, stretch=False, masks=False):
        self.phrases = sorted({phrase.strip() for phrase in phrases if phrase.strip()})
        self.pattern = _alternation(tuple(self.phrases), stretch)
        self.masked = {}
        if masks:
            for phrase in self.phrases:
                if phrase.isalpha():
                    self.masked.setdefault(len(phrase), []).append(phrase)

    def found(self, text):
        """The listed phrases in `text` (case-folded, normalised), sorted."""
        if not self.phrases or not text:
            return []
        hits = set(self._in(text))
        if SPACED_LETTERS.search(text):
            hits.update(self._in(collapse_spaced_letters(text)))
        if self.masked:
            hits.update(self._masked(text))
        return sorted(hits)

    def _in(self, text):
        text = HELD.sub(r"\1\1\1", text)
        for match in self.pattern.finditer(text, overlapped=True):
            if sum(ch.isalpha() for ch in match.group()) >= 2:
                yield self.phrases[int(match.lastgroup[1:])]

    def _masked(self, text):
        for match in MASKED_WORD.finditer(text):
            word = match.group()
            for phrase in self.masked.get(len(word), ()):
                if _masks(word, phrase):
                    yield phrase


def collapse_spaced_letters(text):
    """ "f.u.c.k" or "s h i t" → "fuck", "shit"."""
    return SPACED_LETTERS.sub(lambda match: SEPARATORS.sub("", match.group()), text)


def _masks(word, phrase):
    letters = 0
    for typed, meant in zip(word, phrase, strict=True):
        if typed == meant:
            letters += 1
        elif typed not in MASKS and typed not in LOOK_ALIKES.get(meant, ""):
            return False
    return letters >= 2


@lru_cache(maxsize=64)
def _alternation(phrases, stretch):
    if not phrases:
        return regex.compile(r"(?!)")
    alternatives = "|".join(
        f"(?P<p{number}>{_phrase(phrase, stretch)})" for number, phrase in enumerate(phrases)
    )
    return regex.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _phrase(phrase, stretch):
    return r"[\W_]+".join(_word(word, stretch) for word in phrase.split())


def _word(word, stretch):
    parts = []
    for char, run in groupby(word):
        count = len(list(run))
        written = LOOK_ALIKES.get(char, char)
        letter = f"[{regex.escape(written)}]" if len(written) > 1 else regex.escape(char)
        exact = letter if count == 1 else f"{letter}{{{count}}}"
        # Three or more ("shiiit", or "shi1!it"), at most a dozen: see HELD.
        parts.append(f"(?:{exact}|{letter}{{3,12}})" if stretch and char.isalpha() else exact)
    return "".join(parts)
