"""Loaders for the development data under /work/shared/data/dev (benchmarks only)."""

from __future__ import annotations

import csv
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from wishlist.dedupe import Document

DATA_DIR = Path(os.environ.get("WISHLIST_DEV_DATA", "/work/shared/data/dev"))


@dataclass(frozen=True)
class SeaMonkey:
    """SeaMonkey bug reports (title and body only) and their labelled duplicate pairs."""

    docs: list[Document]
    pairs: list[tuple[str, str]]


@dataclass(frozen=True)
class SemEval:
    """SemEval-2016 3B questions plus, per original question, its candidates and relevance."""

    docs: list[Document]
    candidates: dict[str, list[tuple[str, bool]]]


def load_seamonkey(data_dir: Path = DATA_DIR) -> SeaMonkey:
    """Read the reports and the unordered labelled pairs whose texts are both present."""
    csv.field_size_limit(1 << 30)
    base = data_dir / "seamonkey"
    with open(base / "SeaMonkey_bugs.csv", encoding="utf-8", newline="") as fh:
        # Only the title and description go in: status, resolution and dates leak the answer.
        docs = [
            Document(row["Issue id"].strip(), row["Summary"], row["Description"])
            for row in csv.DictReader(fh)
        ]
    present = {d.id for d in docs}
    pairs: set[tuple[str, str]] = set()
    with open(base / "SeaMonkey_bugs-combined.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            a = row["Issue id"].strip()
            for b in row["Duplicate id"].split(","):
                b = b.strip()
                if a != b and a in present and b in present:
                    pairs.add((min(a, b), max(a, b)))
    return SeaMonkey(docs, sorted(pairs))


def load_semeval(data_dir: Path = DATA_DIR) -> SemEval:
    """Read all original and related questions, and the gold relevance of each candidate."""
    base = data_dir / "semeval2016-dev"
    root = ET.parse(base / "SemEval2016-Task3-CQA-QL-dev.xml").getroot()
    docs: dict[str, Document] = {}
    for org in root.iter("OrgQuestion"):
        oid = org.get("ORGQ_ID", "")
        if oid not in docs:
            docs[oid] = Document(oid, org.findtext("OrgQSubject", ""), org.findtext("OrgQBody", ""))
        for rel in org.iter("RelQuestion"):
            rid = rel.get("RELQ_ID", "")
            docs[rid] = Document(rid, rel.findtext("RelQSubject", ""), rel.findtext("RelQBody", ""))
    candidates: dict[str, list[tuple[str, bool]]] = {}
    rel_file = base / "SemEval2016-Task3-CQA-QL-dev.xml.subtaskB.relevancy"
    for line in rel_file.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 5:
            candidates.setdefault(parts[0], []).append((parts[1], parts[4] == "true"))
    return SemEval(list(docs.values()), candidates)


@dataclass(frozen=True)
class FeatureRequests:
    """Feature requests from the demo content: each variant labelled with its intent."""

    docs: list[Document]
    intent: dict[str, int]


def load_feature_requests() -> FeatureRequests:
    """Every variant of every demo intent as a wish; paraphrases share an intent number."""
    from wishlist.demo_content import WISH_INTENTS

    docs: list[Document] = []
    intent: dict[str, int] = {}
    for n, item in enumerate(WISH_INTENTS):
        for v, (title, body) in enumerate(item["variants"]):
            doc_id = f"fr{n:03d}-{v}"
            docs.append(Document(doc_id, title, body))
            intent[doc_id] = n
    return FeatureRequests(docs, intent)


PARAPHRASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "feature_paraphrases.csv"


def load_paraphrases(path: Path = PARAPHRASES) -> FeatureRequests:
    """The hand-written paraphrase test set (tests/data): wishes labelled with their intent."""
    docs: list[Document] = []
    intent: dict[str, int] = {}
    names: dict[str, int] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            docs.append(Document(row["id"], row["title"], row["body"]))
            intent[row["id"]] = names.setdefault(row["intent"], len(names))
    return FeatureRequests(docs, intent)
