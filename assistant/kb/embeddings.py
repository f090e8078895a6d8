"""The offline default embedder.

Signed feature hashing of Chinese character uni/bigrams and English words and trigrams,
L2-normalised: MurmurHash3 (32-bit, seed 0) of each feature picks a dimension (|h| mod dim) and a
sign (h ≥ 0 → +1), exactly as scikit-learn's HashingVectorizer(alternate_sign=True) does, so an
index built with it stays valid; done with `mmh3` and numpy because importing scikit-learn took
1.3 s of every cold CLI call. It needs no model download, handles Chinese, and is
deterministic; it captures surface similarity, not meaning, which is why retrieval fuses it with
BM25 and why an OpenAI-compatible embedding endpoint (bge-m3, text-embedding-3-small) can replace it.
"""

from __future__ import annotations

import mmh3
import numpy as np

from assistant.kb.tokens import char_features


class HashingEmbeddings:
    """An `Embedder` (what the index calls); not a LangChain class, so a search need not import
    LangChain (0.1 s)."""

    def __init__(self, dim: int = 1024) -> None:
        self.dim = dim

    @property
    def signature(self) -> str:
        return f"hashing-v1-{self.dim}"

    def _embed(self, texts: list[str]) -> list[list[float]]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in zip(out, texts, strict=True):
            features = char_features(text)
            hashes = np.fromiter((mmh3.hash(f) for f in features), dtype=np.int64, count=len(features))
            np.add.at(row, np.abs(hashes) % self.dim, np.where(hashes >= 0, 1.0, -1.0))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]
