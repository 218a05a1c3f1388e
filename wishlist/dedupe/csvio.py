"""CSV in and out for the dedupe command: wishes in, bundles and neighbours out, atomically."""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from wishlist.dedupe.index import Document

# Bodies of real reports can be long; the csv module's 128 KiB default would reject them.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class RowWriter(Protocol):
    """What a csv writer offers, for typing the write callbacks."""

    def writerow(self, row: Iterable[Any], /) -> Any:
        """Write one row."""

    def writerows(self, rows: Iterable[Iterable[Any]], /) -> None:
        """Write many rows."""


class DedupeInputError(ValueError):
    """The input CSV cannot be used; the message is one line naming the problem and row."""


def _decoded_lines(raw: bytes, path: Path) -> str:
    """The file's text, or an error naming the line where the UTF-8 breaks."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DedupeInputError(
            f"{path}: line {line} is not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None


def read_documents(path: str | os.PathLike[str]) -> list[Document]:
    """Read wishes from a UTF-8 CSV with columns id and title (body optional, others ignored)."""
    path = Path(path)
    text = _decoded_lines(path.read_bytes(), path)
    if not text.strip():
        raise DedupeInputError(f"{path}: the file is empty; expected a header with id,title")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise DedupeInputError(f"{path}: header row: {exc}") from None
    lowered = [h.lower() for h in header]
    missing = [c for c in ("id", "title") if c not in lowered]
    if missing:
        raise DedupeInputError(
            f"{path}: header has no {' or '.join(repr(c) for c in missing)} column "
            f"(found: {', '.join(header) or 'nothing'})"
        )
    col_id, col_title = lowered.index("id"), lowered.index("title")
    col_body = lowered.index("body") if "body" in lowered else None
    docs: list[Document] = []
    first_row: dict[str, int] = {}
    # Row numbers count the header as row 1, as a spreadsheet shows them.
    row_no = 1
    try:
        for row_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) <= max(col_id, col_title):
                raise DedupeInputError(f"{path}: row {row_no} has too few columns")
            doc_id = row[col_id].strip()
            if not doc_id:
                raise DedupeInputError(f"{path}: row {row_no} has an empty id")
            if doc_id in first_row:
                raise DedupeInputError(
                    f"{path}: duplicate id {doc_id!r} in rows {first_row[doc_id]} and {row_no}"
                )
            first_row[doc_id] = row_no
            body = row[col_body] if col_body is not None and col_body < len(row) else ""
            docs.append(Document(doc_id, row[col_title], body))
    except csv.Error as exc:
        raise DedupeInputError(f"{path}: row {row_no + 1}: {exc}") from None
    if not docs:
        raise DedupeInputError(f"{path}: no wishes after the header")
    return docs


def _atomic_write(path: str | os.PathLike[str], write: Callable[[RowWriter], None]) -> None:
    """Write a CSV through a temp file in the same folder so readers never see half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(csv.writer(fh))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bundles(path: str | os.PathLike[str], ids: Sequence[str], labels: Sequence[str]) -> None:
    """Write id,bundle_id for every wish in input order."""
    if len(ids) != len(labels):
        raise ValueError("ids and labels differ in length")

    def rows(w: RowWriter) -> None:
        """Header, then one row per wish."""
        w.writerow(("id", "bundle_id"))
        w.writerows(zip(ids, labels, strict=True))

    _atomic_write(path, rows)


def write_neighbors(
    path: str | os.PathLike[str],
    ids: Sequence[str],
    neighbors: Sequence[Sequence[tuple[str, float]]] | Iterator[Sequence[tuple[str, float]]],
) -> None:
    """Write id,neighbor_id,score: each wish's most similar others, best first, 4 decimals."""

    def rows(w: RowWriter) -> None:
        """Header, then the scored neighbours of each wish in input order."""
        w.writerow(("id", "neighbor_id", "score"))
        for doc_id, row in zip(ids, neighbors, strict=True):
            for other, score in row:
                if score > 0:
                    w.writerow((doc_id, other, f"{score:.4f}"))

    _atomic_write(path, rows)
