"""The offline default embedder.

Signed feature hashing (scikit-learn's HashingVectorizer) of Chinese character uni/bigrams and
English words and trigrams, L2-normalised. It needs no model download, handles Chinese, and is
deterministic; it captures surface similarity, not meaning, which is why retrieval fuses it with
BM25 and why an OpenAI-compatible embedding endpoint (bge-m3, text-embedding-3-small) can replace it.
"""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings
from sklearn.feature_extraction.text import HashingVectorizer

from assistant.kb.tokens import char_features


class HashingEmbeddings(Embeddings):
    def __init__(self, dim: int = 1024) -> None:
        self.dim = dim
        self._vectorizer = HashingVectorizer(
            n_features=dim, analyzer=char_features, alternate_sign=True, norm="l2", dtype=np.float32
        )

    @property
    def signature(self) -> str:
        return f"hashing-v1-{self.dim}"

    def _embed(self, texts: list[str]) -> list[list[float]]:
        return self._vectorizer.transform(texts).toarray().tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]
