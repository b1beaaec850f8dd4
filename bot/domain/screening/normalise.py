"""Normalisation: the text rules are matched against, with a map back to the original.

Folding (NFKD compatibility forms, accents and other combining marks removed, case
folded, zero-width and direction marks dropped, look-alike letters mapped), then the
undoing of deliberate obfuscation: spaced-out letters ("s u i c i d e"), leetspeak
("su1c1de", "k!ll") and stretched letters ("kiiill"). Misspellings are corrected later,
by the screener, because it finds them with the same scan that finds rule triggers.

Every step records, for each normalised character, the span of original characters it
came from, so that evidence always points into the text the participant wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .prefilter import trie_regex

# Punctuation that NFKD leaves alone but people use interchangeably.
_PUNCTUATION = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201b": "'",
    "\u02bc": "'",
    "\u00b4": "'",
    "`": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
}

# Characters typed in place of letters. "1" reads as "i" unless "l" makes a known word.
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "€": "e",
    }
)
_LEET_L = str.maketrans({"1": "l"})
_LEET_CHARS = "013457@$!|€"
_ASCII_TABLE = str.maketrans(
    {**{i: " " for i in range(32) if chr(i) not in "\n\t\r"}, ord("`"): "'", 127: " "}
)

# Runs of blanks (two or more, or any tab or odd space) become one space; lines stay.
_LOOSE_SPACE = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v]")
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W_][ .\-_*~]){3,}[^\W_](?![^\W_])")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
_LEET_TOKEN = re.compile(
    r"(?<![\w@$!|€])[\w@$!|€]*(?:[^\W\d_][0-9@$!|€]|[0-9@$!|€][^\W\d_])[\w@$!|€]*"
)
# Cheap looks that tell whether any obfuscation step has work to do: a look-alike
# character next to a letter, a letter three times in a row, four or more single
# characters spaced out. Together they say exactly what one alternation of the three
# would, faster: the first two start with a fixed character set, which lets the regex
# engine skip through the text in C (the letter before is checked by a look-behind
# once the set has matched), and letters are only inspected where a character repeats.
_LEET_GATE = re.compile(r"[0-9@$!|€](?:(?<=[^\W\d_][0-9@$!|€])|[^\W\d_])")
_SPACED_GATE = re.compile(r"[ .\-_*~](?<=[^\W_][ .\-_*~])[^\W_][ .\-_*~][^\W_][ .\-_*~][^\W_]")
_TRIPLED_ANY = re.compile(r"(.)\1\1")  # any tripled character; cheaper than letters only
_TRIPLED_LETTER = re.compile(r"([^\W\d_])\1\1")
_LOOSE_CHARS = ("  ", "\t", "\r", "\f", "\v")  # what ``_LOOSE_SPACE`` can match

# Texting shorthand and contractions typed without an apostrophe, restored to the form
# rules are written against ("hes" -> "he's", "rn" -> "right now", "u" -> "you"). Only
# words that are not also ordinary words in English, Spanish, French or German ("im",
# "ill", "its", "were", "well" and "bout" — French for "end" — stay as they are).
_SHORTHAND = {
    "hes": "he's",
    "shes": "she's",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "werent": "weren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "hadnt": "hadn't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "ive": "i've",
    "theyre": "they're",
    "youre": "you're",
    "theyll": "they'll",
    "youll": "you'll",
    "thats": "that's",
    "whats": "what's",
    "theres": "there's",
    "itll": "it'll",
    "tonights": "tonight's",
    "everythings": "everything's",
    "u": "you",
    "ur": "your",
    "rn": "right now",
    "atm": "at the moment",
    "abt": "about",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrrw": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tonite": "tonight",
    "2nite": "tonight",
    "2night": "tonight",
    "pls": "please",
    "plz": "please",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "msg": "message",
    "wk": "week",
    "wkend": "weekend",
    "sth": "something",
    "smth": "something",
    "ppl": "people",
    "w/o": "without",
}
# Trie-shaped, so that the engine rejects most positions on their first letter; like
# a longest-first alternation it still prefers the longest word ("tmrrw" over "tmr").
_SHORTHAND_RE = re.compile(r"(?<![\w'])(?:" + trie_regex(_SHORTHAND) + r")(?![\w'])")

# Keyboard neighbours and sound-alikes: the substitutions a bounded fuzzy match allows.
_NEIGHBOURS = {
    "q": "wa",
    "w": "qes",
    "e": "wrdi",
    "r": "etf",
    "t": "ryg",
    "y": "tuhi",
    "u": "yij",
    "i": "uoke",
    "o": "ipl",
    "p": "ol",
    "a": "qsz",
    "s": "awdzc",
    "d": "sefc",
    "f": "drg",
    "g": "fth",
    "h": "gyj",
    "j": "huk",
    "k": "jilc",
    "l": "kop",
    "z": "asx",
    "x": "zsc",
    "c": "xvdsk",
    "v": "cfb",
    "b": "vgn",
    "n": "bhm",
    "m": "nj",
}


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text plus, per character, where it came from in the original.

    ``starts[i]``/``ends[i]`` are the original offsets of normalised character ``i``;
    ``None`` means the identity map (the common case: nothing changed length).
    """

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalised span ``[start, end)``."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def rewrite(self, edits: Iterable[tuple[int, int, str]]) -> NormalisedText:
        """Replace normalised spans (sorted, non-overlapping) and carry the map along."""
        text = self.text
        if self.starts is None or self.ends is None:
            starts: tuple[int, ...] = tuple(range(len(text)))
            ends: tuple[int, ...] = tuple(range(1, len(text) + 1))
        else:
            starts, ends = self.starts, self.ends
        out: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pos = 0
        for a, b, repl in edits:
            out.append(text[pos:a])
            new_starts.extend(starts[pos:a])
            new_ends.extend(ends[pos:a])
            if repl:
                if b > a:
                    s0, e0 = starts[a], ends[b - 1]
                else:
                    s0 = e0 = starts[a] if a < len(starts) else len(self.original)
                out.append(repl)
                new_starts.extend([s0] * len(repl))
                new_ends.extend([e0] * len(repl))
            pos = b
        out.append(text[pos:])
        new_starts.extend(starts[pos:])
        new_ends.extend(ends[pos:])
        return NormalisedText(self.original, "".join(out), tuple(new_starts), tuple(new_ends))


class _FoldTable(dict[int, str]):
    """``str.translate`` table that folds each character on first sight and remembers."""

    def __init__(self, homoglyphs: Mapping[str, str]) -> None:
        super().__init__()
        self._homoglyphs = dict(homoglyphs)
        self.changers: set[str] = set()  # characters whose fold is not one character

    def __reduce__(self) -> tuple[type[_FoldTable], tuple[dict[str, str]]]:
        # pickled empty: the characters it remembers come from the texts screened
        return (_FoldTable, (self._homoglyphs,))

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code), self._homoglyphs)
        if len(folded) != 1:
            self.changers.add(chr(code))
        self[code] = folded
        return folded


def fold_char(ch: str, homoglyphs: Mapping[str, str] | None = None) -> str:
    """Fold one character: compatibility form, no marks, case folded, look-alikes mapped."""
    if ch in _PUNCTUATION:
        return _PUNCTUATION[ch]
    if homoglyphs and ch in homoglyphs:
        return homoglyphs[ch]
    out = []
    for part in unicodedata.normalize("NFKD", ch):
        cat = unicodedata.category(part)
        if cat in ("Mn", "Me", "Cf"):
            continue  # accents, variation selectors, zero-width and direction marks
        if cat == "Cc" and part not in "\n\t\r":
            out.append(" ")
            continue
        folded = part.casefold()
        if homoglyphs:
            folded = "".join(homoglyphs.get(x, x) for x in folded)
        out.append(folded)
    return "".join(out)


def fold_pattern(pattern: str, expand_umlauts: bool = False) -> str:
    """Fold the literal letters of a rule pattern the way text is folded.

    Escapes are left alone. With ``expand_umlauts`` (German files) ``ä ö ü`` also match
    the transliterations ``ae oe ue`` that people type without an umlaut key.
    """
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        if ord(ch) > 127:
            if expand_umlauts and not in_class and ch.lower() in "äöü":
                base = {"ä": "a", "ö": "o", "ü": "u"}[ch.lower()]
                out.append(f"(?:{base}e?)")
            elif ch in "ßẞ":
                out.append("ss" if not in_class else "s")
            else:
                out.append(re.escape(fold_char(ch)) if not in_class else fold_char(ch))
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def typo_variants(word: str) -> set[str]:
    """Misspellings one edit away: a dropped, doubled, swapped or neighbouring letter."""
    variants: set[str] = set()
    n = len(word)
    for i in range(n):
        variants.add(word[:i] + word[i + 1 :])  # dropped
        variants.add(word[:i] + word[i] + word[i:])  # doubled
        if i + 1 < n:
            variants.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])  # swapped
        for sub in _NEIGHBOURS.get(word[i], ""):
            variants.add(word[:i] + sub + word[i + 1 :])  # neighbouring key
    variants.discard(word)
    return variants


class Normaliser:
    """Turns a participant's text into the form rules are written against."""

    def __init__(self, homoglyphs: Mapping[str, str], vocabulary: Iterable[str]) -> None:
        self._table = _FoldTable(homoglyphs)
        self._vocabulary = frozenset(w for w in vocabulary if w)
        self._max_word = max((len(w) for w in self._vocabulary), default=0)

    def normalise(self, text: str) -> NormalisedText:
        result = self._fold(text)
        if any(blank in result.text for blank in _LOOSE_CHARS):
            edits = [(m.start(), m.end(), " ") for m in _LOOSE_SPACE.finditer(result.text)]
            result = result.rewrite(edits)
        if _obfuscated(result.text):
            result = self._unspace(result)
            result = self._unleet(result)
            result = self._unstretch(result)
        if _SHORTHAND_RE.search(result.text):
            edits = [
                (m.start(), m.end(), _SHORTHAND[m.group()])
                for m in _SHORTHAND_RE.finditer(result.text)
            ]
            result = result.rewrite(edits)
        return result

    def _fold(self, text: str) -> NormalisedText:
        if text.isascii():
            return NormalisedText(text, text.lower().translate(_ASCII_TABLE))
        folded = text.translate(self._table)
        if self._table.changers.isdisjoint(text):
            return NormalisedText(text, folded)
        # Some character folded to nothing or to several: build the map by hand.
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        table = self._table
        for i, ch in enumerate(text):
            f = table[ord(ch)]
            if f:
                out.append(f)
                starts.extend([i] * len(f))
                ends.extend([i + 1] * len(f))
        return NormalisedText(text, "".join(out), tuple(starts), tuple(ends))

    def _unspace(self, nt: NormalisedText) -> NormalisedText:
        edits: list[tuple[int, int, str]] = []
        for m in _SPACED.finditer(nt.text):
            letters = m.group()[::2]
            edits.append((m.start(), m.end(), self._segment(letters)))
        return nt.rewrite(edits) if edits else nt

    def _segment(self, letters: str) -> str:
        """Split run-together letters into known words when they split cleanly."""
        n = len(letters)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - self._max_word), end):
                prev = best[start]
                if prev is None or letters[start:end] not in self._vocabulary:
                    continue
                cand = [*prev, letters[start:end]]
                current = best[end]
                if current is None or len(cand) < len(current):
                    best[end] = cand
        words = best[n]
        if words is None:
            return letters
        # Keep a one-to-one character count so offsets stay exact: pad the words' spaces
        # only where the original had separators (it always did between letters).
        return " ".join(words)

    def _unleet(self, nt: NormalisedText) -> NormalisedText:
        text = nt.text
        pieces: list[str] = []
        pos = 0
        changed = False
        for m in _LEET_TOKEN.finditer(text):
            a, b = m.start(), m.end()
            while a < b and text[a] in "!|":
                a += 1
            while b > a and text[b - 1] in "!|":
                b -= 1
            token = text[a:b]
            cand = token.translate(_LEET)
            if cand not in self._vocabulary:
                alt = token.translate(_LEET_L).translate(_LEET)
                if alt in self._vocabulary:
                    cand = alt
                elif not _inner_only(token):
                    continue
            if cand != token:
                pieces.append(text[pos:a])
                pieces.append(cand)
                pos = b
                changed = True
        if not changed:
            return nt
        pieces.append(text[pos:])
        return NormalisedText(nt.original, "".join(pieces), nt.starts, nt.ends)

    def _unstretch(self, nt: NormalisedText) -> NormalisedText:
        edits = [(m.start(), m.end(), m.group(1)) for m in _STRETCHED.finditer(nt.text)]
        return nt.rewrite(edits) if edits else nt


def _obfuscated(text: str) -> bool:
    """Whether any obfuscation step could change ``text`` (leet, stretched, spaced)."""
    return bool(
        _LEET_GATE.search(text)
        or _SPACED_GATE.search(text)
        or (_TRIPLED_ANY.search(text) and _TRIPLED_LETTER.search(text))
    )


def _inner_only(token: str) -> bool:
    """True when every look-alike character sits between letters, as in "su1c1de"."""
    for i, ch in enumerate(token):
        if ch in _LEET_CHARS:
            if i == 0 or i == len(token) - 1:
                return False
            if not (_is_letterish(token[i - 1]) and _is_letterish(token[i + 1])):
                return False
    return True


def _is_letterish(ch: str) -> bool:
    return ch.isalpha() or ch in _LEET_CHARS
