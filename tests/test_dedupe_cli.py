"""`flask dedupe`: CSV in, bundles and neighbours out, clear errors for bad files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROWS = [
    ("a1", "Dark mode for the dashboard", "The white background hurts at night."),
    ("b2", "Dashboard dark mode please", "Please add a dark theme to the dashboard."),
    ("c3", "Export invoices to CSV", "Download invoices as a CSV file."),
    ("d4", "Offline mode in the mobile app", "No signal in the warehouse."),
    ("e5", "Slack notifications for approvals", ""),
]


def _write(path: Path, rows, header=("id", "title", "body"), encoding="utf-8") -> Path:  # noqa: ANN001
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_dedupe_writes_bundles_and_neighbours(runner, tmp_path):
    source = _write(tmp_path / "in.csv", ROWS)
    bundles, neighbours = tmp_path / "bundles.csv", tmp_path / "neighbours.csv"
    result = runner.invoke(
        args=[
            "dedupe",
            str(source),
            "--bundles-out",
            str(bundles),
            "--neighbors-out",
            str(neighbours),
            "--neighbors",
            "2",
        ]
    )
    assert result.exit_code == 0, result.output
    rows = _read(bundles)
    assert [r["id"] for r in rows] == [r[0] for r in ROWS]
    label = {r["id"]: r["bundle_id"] for r in rows}
    assert label["a1"] == label["b2"]
    assert len({label["c3"], label["d4"], label["e5"], label["a1"]}) == 4
    near = _read(neighbours)
    assert set(near[0]) == {"id", "neighbor_id", "score"}
    first = [r for r in near if r["id"] == "a1"]
    assert first[0]["neighbor_id"] == "b2"
    assert len(first) <= 2
    scores = [float(r["score"]) for r in first]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)


def test_dedupe_accepts_bom_and_extra_columns(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("\ufeffid,title,votes\nx,Dark mode,3\ny,Dark mode please,1\n", "utf-8")
    out = tmp_path / "b.csv"
    result = runner.invoke(args=["dedupe", str(source), "--bundles-out", str(out)])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in _read(out)] == ["x", "y"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"id,body\n1,hello\n", "title"),
        (b"title,body\nhello,there\n", "id"),
        (b"id,title\n1,Dark mode\n1,Night theme\n", "duplicate"),
        (b"id,title\n1,Dark mode\n2,\xff\xfe broken\n", "UTF-8"),
    ],
)
def test_dedupe_bad_input_exits_2_and_writes_nothing(runner, tmp_path, content, needle):
    work = tmp_path / "work"
    work.mkdir()
    source = work / "in.csv"
    source.write_bytes(content)
    out = work / "bundles.csv"
    result = runner.invoke(args=["dedupe", str(source), "--bundles-out", str(out)])
    assert result.exit_code == 2
    assert needle.lower() in result.output.lower()
    assert list(work.iterdir()) == [source]  # no output, not even half of one


def test_dedupe_missing_file_exits_2(runner, tmp_path):
    result = runner.invoke(args=["dedupe", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2


def test_dedupe_rejects_bad_threshold(runner, tmp_path):
    source = _write(tmp_path / "in.csv", ROWS)
    result = runner.invoke(args=["dedupe", str(source), "--threshold", "1.5"])
    assert result.exit_code == 2


# ---- the semantic signal -------------------------------------------------------------------------


def _semantic_installed() -> bool:
    from wishlist.dedupe.embedding import EmbeddingUnavailable, load_embedder

    try:
        load_embedder("minilm-int8")
    except EmbeddingUnavailable:
        return False
    return True


needs_model = pytest.mark.skipif(not _semantic_installed(), reason="semantic extra not installed")


def _unavailable(monkeypatch) -> None:  # noqa: ANN001
    import importlib

    from wishlist.dedupe.embedding import EmbeddingUnavailable

    run_module = importlib.import_module("wishlist.dedupe.run")

    def refuse(setting=None):  # noqa: ANN001, ANN202
        raise EmbeddingUnavailable("the Python package 'onnxruntime' is not installed")

    monkeypatch.setattr(run_module, "load_embedder", refuse)


@needs_model
def test_dedupe_uses_embeddings_when_installed_and_says_so(runner, tmp_path):
    source = _write(tmp_path / "in.csv", ROWS)
    result = runner.invoke(args=["dedupe", str(source)])
    assert result.exit_code == 0, result.output
    assert "sentence embeddings (all-MiniLM-L6-v2-int8)" in result.output
    assert "threshold 0.22" in result.output


def test_no_semantic_is_lexical_with_the_lexical_threshold(runner, tmp_path):
    source = _write(tmp_path / "in.csv", ROWS)
    result = runner.invoke(args=["dedupe", str(source), "--no-semantic"])
    assert result.exit_code == 0, result.output
    assert "sentence embeddings" not in result.output
    assert "Semantic matching off: --no-semantic" in result.output
    assert "threshold 0.18" in result.output


def test_without_the_model_dedupe_falls_back_to_lexical_and_says_why(runner, tmp_path, monkeypatch):
    _unavailable(monkeypatch)
    source = _write(tmp_path / "in.csv", ROWS)
    bundles = tmp_path / "bundles.csv"
    result = runner.invoke(args=["dedupe", str(source), "--bundles-out", str(bundles)])
    assert result.exit_code == 0, result.output
    assert "Semantic matching off: the Python package 'onnxruntime' is not installed" in (
        result.output
    )
    label = {r["id"]: r["bundle_id"] for r in _read(bundles)}
    assert label["a1"] == label["b2"]


def test_semantic_required_but_unavailable_exits_2_and_writes_nothing(
    runner, tmp_path, monkeypatch
):
    _unavailable(monkeypatch)
    work = tmp_path / "work"
    work.mkdir()
    source = _write(work / "in.csv", ROWS)
    result = runner.invoke(
        args=["dedupe", str(source), "--semantic", "--bundles-out", str(work / "b.csv")]
    )
    assert result.exit_code == 2
    assert "Error: semantic matching: the Python package 'onnxruntime'" in result.output
    assert list(work.iterdir()) == [source]


@needs_model
def test_the_embedding_cache_spares_the_model_on_a_second_run(runner, tmp_path):
    source = _write(tmp_path / "in.csv", ROWS)
    cache = tmp_path / "vectors.npz"
    first = runner.invoke(args=["dedupe", str(source), "--embedding-cache", str(cache)])
    assert first.exit_code == 0, first.output
    assert "Embeddings: 5 wishes embedded" in first.output
    second = runner.invoke(args=["dedupe", str(source), "--embedding-cache", str(cache)])
    assert "Embeddings: 0 wishes embedded" in second.output


def test_a_damaged_embedding_cache_exits_2(runner, tmp_path):
    source = _write(tmp_path / "in.csv", ROWS)
    cache = tmp_path / "vectors.npz"
    cache.write_bytes(b"garbage")
    result = runner.invoke(args=["dedupe", str(source), "--embedding-cache", str(cache)])
    if _semantic_installed():
        assert result.exit_code == 2
        assert "not an embedding cache" in result.output
    else:
        assert result.exit_code == 0  # no model: the cache is never opened
