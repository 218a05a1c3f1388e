"""Tokenising for the duplicate finder: lower-case words, English stop words out, light stemming."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)
WORD_PATTERN = re.compile(r"(?u)\b\w\w+\b")
# Longest first, so "ingly" wins over "ly"; a stem keeps at least 4 letters so short words such
# as "uses" or "bus" are not mangled into unrelated stems.
_SUFFIXES = ("ingly", "edly", "ing", "ed", "s", "ly")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Strip one common English inflection so "exporting" and "exports" match "export"."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    # A final "e" comes and goes with inflection (share, shared, sharing; invoice, invoices).
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """Stemmed content words of a text, in order."""
    return [stem(w) for w in WORD_PATTERN.findall(text.lower()) if w not in STOP_WORDS]


def surface_words(text: str) -> dict[str, str]:
    """First spelling of each stem in a text, to show stems back as the writer wrote them."""
    out: dict[str, str] = {}
    for w in WORD_PATTERN.findall(text.lower()):
        if w not in STOP_WORDS:
            out.setdefault(stem(w), w)
    return out


@lru_cache(maxsize=100_000)
def word_char_grams(word: str) -> tuple[str, ...]:
    """Character 3- to 5-grams of one space-padded word, as sklearn's char_wb makes them."""
    padded = f" {word} "
    grams: list[str] = []
    for n in (3, 4, 5):
        if len(padded) < n:
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    # sklearn keeps a too-short padded word as one gram; do the same so results match.
    return tuple(grams) if grams else (padded,)


def char_grams(text: str) -> list[str]:
    """Character n-grams within words (char_wb 3-5) of a text."""
    out: list[str] = []
    for word in text.lower().split():
        out.extend(word_char_grams(word))
    return out


# Opposite actions: two titles asking for opposite sides of one of these ask for different
# things even when every other word matches ("Export invoices to CSV" / "Import invoices from
# CSV"). Generic product vocabulary, not tuned to any data set; see BENCHMARKS.md.
CONTRAST_PAIRS: tuple[tuple[str, str], ...] = (
    ("import", "export"),
    ("upload", "download"),
    ("enable", "disable"),
    ("add", "remove"),
    ("show", "hide"),
    ("approve", "reject"),
    # The two sides of every approval flow: whoever submits is not whoever approves.
    ("submit", "approve"),
    ("lock", "unlock"),
    ("include", "exclude"),
    ("increase", "decrease"),
    ("start", "stop"),
    ("allow", "block"),
    ("send", "receive"),
    ("login", "logout"),
    ("archive", "unarchive"),
    ("subscribe", "unsubscribe"),
    ("encrypt", "decrypt"),
    ("expand", "collapse"),
    ("attach", "detach"),
    ("mute", "unmute"),
)


def _inflections(word: str) -> set[str]:
    """A verb and its regular inflections: show, shows, showed, showing; stop, stopped."""
    base = word[:-1] if word.endswith("e") else word
    double = word + word[-1]
    return {word, word + "s", word + "es", base + "ed", base + "ing", double + "ed", double + "ing"}


# Word form -> bits of every side it takes ("approve" is on two pairs).
_CONTRAST_BITS: dict[str, int] = {}
for _k, _pair in enumerate(CONTRAST_PAIRS):
    for _side, _word in enumerate(_pair):
        for _form in _inflections(_word):
            _CONTRAST_BITS[_form] = _CONTRAST_BITS.get(_form, 0) | 1 << (2 * _k + _side)
# "sign in", "log-out", "signout": one word, so the stop words "in"/"out" do not hide them.
_SIGN_IN_OUT = re.compile(r"\b(?:sign|log)[\s-]?(in|out)\b")
_EVEN_BITS = int("01" * 31, 2)


def contrast_mask(title: str) -> int:
    """Bit 2k (2k+1) set when the title uses the first (second) word of CONTRAST_PAIRS[k]."""
    text = _SIGN_IN_OUT.sub(lambda m: f" log{m.group(1)} ", title.lower())
    mask = 0
    for token in WORD_PATTERN.findall(text):
        mask |= _CONTRAST_BITS.get(token, 0)
    return mask


def contrasting(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair, 1.0 where one title takes a side of an opposite pair only the other opposes."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    even = np.int64(_EVEN_BITS)
    a0, a1 = a & even, (a >> 1) & even
    b0, b1 = b & even, (b >> 1) & even
    hit = (a0 & b1 & ~a1 & ~b0) | (a1 & b0 & ~a0 & ~b1)
    return (hit != 0).astype(np.float32)
