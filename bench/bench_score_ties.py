"""Count tied scores in the demo's ranking under the old fixed scale and the book-of-business scale.

The old normalisation divided by fixed scales (1,000,000 of revenue, 20 customers) and clipped
each norm at 1, so every bundle past 1,000,000 at risk got the same revenue points. This loads
the demo (`flask --app app demo`) into a temporary SQLite database, ranks it with today's code,
and recomputes each row's score the old way from the same facts (default weights, reach weight
0) to show how many rows shared a score then and now.

Run: .venv/bin/python -m bench.bench_score_ties
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections import Counter

OLD_REVENUE_SCALE = 1_000_000
OLD_CUSTOMER_SCALE = 20


def old_score(customers: int, revenue: float, fit: int | None, weights: dict[str, float]) -> float:
    """A row's score under the fixed, clipped scales used until 2026-12-02."""
    total = sum(weights.values())
    norms = {
        "customers": min(1.0, math.log1p(customers) / math.log1p(OLD_CUSTOMER_SCALE)),
        "revenue": min(1.0, math.log1p(revenue) / math.log1p(OLD_REVENUE_SCALE)),
        "fit": (fit or 0) / 5,
        "reach": 0.0,
    }
    return 100 * sum(weights[k] / total * norms[k] for k in norms)


def ties(scores: list[float]) -> tuple[int, int, int]:
    """(rows sharing their one-decimal score with another row, distinct scores, largest tie)."""
    counts = Counter(round(s, 1) for s in scores)
    return sum(n for n in counts.values() if n > 1), len(counts), max(counts.values(), default=0)


def main() -> None:
    """Load the demo, rank it, and print the tie counts of both normalisations."""
    instance = tempfile.mkdtemp(prefix="wishlist-ties-")
    os.environ["WISHLIST_INSTANCE_PATH"] = instance
    os.environ.pop("DATABASE_URL", None)
    try:
        from flask_migrate import upgrade

        from wishlist import create_app
        from wishlist.services import demo, value
        from wishlist.services.backlog import BacklogFilter, backlog

        app = create_app({"EMBEDDING_MODEL": "off"})
        with app.app_context():
            upgrade()
            demo.load_demo()
            with app.test_request_context("/"):
                rows = backlog(BacklogFilter(include_off_strategy=True))
                config = value.scoring_config()
                weights = {k: float(v) for k, v in config.weights.items()}
                bundles = [r for r in rows if r.bundle_id is not None]
                for label, subset in (("bundles only", bundles), ("with lone wishes", rows)):
                    new = [r.score_result.score for r in subset]
                    old = [
                        old_score(
                            r.customer_count, float(r.revenue_at_risk), r.strategic_fit, weights
                        )
                        for r in subset
                    ]
                    clipped = sum(1 for r in subset if r.revenue_at_risk >= OLD_REVENUE_SCALE)
                    print(f"{label}: {len(subset)} rows, {clipped} at or past 1,000,000 at risk")
                    for name, scores in (("old fixed scale", old), ("book of business", new)):
                        tied, distinct, biggest = ties(scores)
                        print(
                            f"  {name:17} {tied:3} rows tied, {distinct:3} distinct scores, "
                            f"largest tie {biggest}"
                        )
                print(value.scale_explanation())
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
