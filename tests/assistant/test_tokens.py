"""Chinese segmentation for BM25 reads jieba's dictionary from a memory-mapped trie; the words
must be exactly the ones jieba itself would cut."""

import re
from pathlib import Path

import jieba

from assistant.kb import tokens

ROOT = Path(__file__).resolve().parents[2]


def test_the_trie_segmenter_cuts_the_knowledge_base_exactly_as_jieba_does(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(tokens, "_DICTIONARY_CACHE", tmp_path)
    tokens._segmenter.cache_clear()
    try:
        fast = tokens._segmenter()
        assert list(tmp_path.glob("*.marisa"))  # the dictionary file was built where it was told
        reference = jieba.Tokenizer()
        reference.initialize()
        texts = [p.read_text(encoding="utf-8") for p in (ROOT / "knowledge").rglob("*.md")]
        runs = [r for t in texts for r in re.findall(r"[\u4e00-\u9fff]+", t)]
        runs += ["区域策略复盘", "下沉市场的获客成本为什么超标", "双十一大促预算再分配"]
        assert len(runs) > 1000
        assert [list(fast.cut_for_search(r)) for r in runs] == [
            list(reference.cut_for_search(r)) for r in runs
        ]
        assert fast.total == reference.total
    finally:
        tokens._segmenter.cache_clear()


def test_the_byte_bound_is_never_below_the_token_count() -> None:
    """A conversation that fits counted in bytes is sent whole without tokenizing it."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "knowledge").rglob("*.md")]
    texts += ["", "ROI 1:3.5", "预算🔧 emoji ✓", '{"name": "forecast", "args": {"period": "2027-Q1"}}']
    assert all(tokens.tokens_at_most(t) >= tokens.count_tokens(t) for t in texts)
    assert sum(map(tokens.tokens_at_most, texts)) < 4 * sum(map(tokens.count_tokens, texts))  # not vacuous
