"""Reasoning text apart from the answer: Qwen3 served without a reasoning parser (and other
models) write `<think>…</think>` into the content; the chat shows it folded and never stores it as
the answer. Kept apart from `assistant.llm` so the chat loop does not import the provider clients."""

from __future__ import annotations

import re

_THINK = re.compile(r"<think>.*?(</think>|$)\s*", re.S)


def strip_think(text: str) -> str:
    """An answer without its `<think>` blocks (also one whose opening tag was in the prompt)."""
    if "</think>" in text and "<think>" not in text.split("</think>", 1)[0]:
        text = text.split("</think>", 1)[1]
    return _THINK.sub("", text).strip()


class ThinkSplitter:
    """Splits streamed text into answer and thinking at `<think>`/`</think>`, tags split across
    chunks included, so thinking is shown apart and never becomes part of the answer."""

    TAGS = ("<think>", "</think>")

    def __init__(self) -> None:
        self.inside = False
        self.pending = ""

    def feed(self, text: str) -> list[tuple[str, str]]:
        """(kind, text) pieces, kind "answer" or "thinking"."""
        self.pending += text
        out: list[tuple[str, str]] = []
        while self.pending:
            tag = self.TAGS[self.inside]
            at = self.pending.find(tag)
            if at >= 0:
                self._emit(out, self.pending[:at])
                self.pending = self.pending[at + len(tag) :]
                self.inside = not self.inside
                continue
            keep = next((n for n in range(len(tag) - 1, 0, -1) if self.pending.endswith(tag[:n])), 0)
            self._emit(out, self.pending[: len(self.pending) - keep])
            self.pending = self.pending[len(self.pending) - keep :]
            break
        return out

    def flush(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        self._emit(out, self.pending)
        self.pending = ""
        return out

    def _emit(self, out: list[tuple[str, str]], text: str) -> None:
        if text:
            out.append(("thinking" if self.inside else "answer", text))
