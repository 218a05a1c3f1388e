"""Which strategic theme a bundle of wishes is about, from text similarity alone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .text import words

# Cosine similarity (stemmed words, TF-IDF over the themes and the bundle) at which the
# suggested fit steps up. A person confirms or changes the suggestion; it never says 0
# ("off strategy"), which is a product decision rather than a text match.
FIT_STEPS: tuple[tuple[float, int], ...] = ((0.30, 5), (0.20, 4), (0.12, 3), (0.06, 2))


def suggest_theme(
    bundle_text: str, themes: Sequence[tuple[int, str]]
) -> tuple[int | None, float, int | None]:
    """Return (theme id, similarity, suggested fit 1-5) for the closest theme, or Nones."""
    if not themes or not bundle_text.strip():
        return None, 0.0, None
    vectorizer = TfidfVectorizer(analyzer=words, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([bundle_text, *(text for _, text in themes)])
    except ValueError:  # nothing but stop words anywhere
        return None, 0.0, None
    sims = (matrix[1:] @ matrix[0].T).toarray().ravel()
    best = int(np.argmax(sims))
    similarity = float(sims[best])
    if similarity <= 0:
        return None, 0.0, None
    fit = next((step for bound, step in FIT_STEPS if similarity >= bound), 1)
    return themes[best][0], round(similarity, 4), fit
