"""Near-duplicate finder for wishes: framework-free, text in, neighbours and bundles out."""

from wishlist.dedupe.bundling import (
    Bundle,
    ConstraintError,
    bundle,
    bundle_labels,
    bundle_neighbors,
    components_labels,
)
from wishlist.dedupe.csvio import DedupeInputError, read_documents, write_bundles, write_neighbors
from wishlist.dedupe.explain import Evidence, explain
from wishlist.dedupe.index import (
    DEFAULT_SEMANTIC_THRESHOLD,
    DEFAULT_THRESHOLD,
    DedupeIndex,
    Document,
    IndexParams,
    Weights,
    default_threshold,
)
from wishlist.dedupe.run import RunSummary, run

__all__ = [
    "DEFAULT_SEMANTIC_THRESHOLD",
    "DEFAULT_THRESHOLD",
    "Bundle",
    "ConstraintError",
    "DedupeIndex",
    "DedupeInputError",
    "Document",
    "Evidence",
    "IndexParams",
    "RunSummary",
    "Weights",
    "bundle",
    "bundle_labels",
    "bundle_neighbors",
    "components_labels",
    "default_threshold",
    "explain",
    "read_documents",
    "run",
    "write_bundles",
    "write_neighbors",
]
