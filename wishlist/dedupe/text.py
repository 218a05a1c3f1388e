"""Tokenising for the duplicate finder: lower-case words, English stop words out, light stemming."""

from __future__ import annotations

import re
from functools import lru_cache

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
