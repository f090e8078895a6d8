"""Render the offline engine's answers from the Jinja2 templates in `prompts/offline/`.

The templates only ever print values that come from tool results or passages; the helpers here
format them (thousands separators, 万/亿, percentages) and never compute new figures, except the
sums and differences a template states explicitly, which the number audit can recompute.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.engine.intents import Intent
from assistant.engine.skills import registry
from assistant.kb.quoting import looks_like_instructions
from assistant.presentation import DIM_ZH, STATUS_EN, templates
from tools.kpi import STATUS_ZH
from tools.metrics import METRICS
from tools.periods import parse_period
from tools.segments import region_focus


@lru_cache(maxsize=4)
def composer_for(prompts_dir: Path) -> Composer:
    """One Jinja environment per prompts folder: templates compile once, not on every answer."""
    return Composer(prompts_dir)


class Composer:
    def __init__(self, prompts_dir: Path) -> None:
        self.env = templates(Path(prompts_dir) / "offline")
        names = yaml.safe_load((Path(prompts_dir) / "offline" / "model_names.yaml").read_text("utf-8"))
        self.model_names = sorted(names.items(), key=lambda kv: -len(kv[0]))

    def compose(self, intent: Intent, outputs: list[dict[str, Any]]) -> str:
        zh = intent.lang == "zh"
        passages = sorted(
            (p for o in outputs if o["name"] == "search_knowledge" for p in o.get("passages", [])),
            key=lambda p: p["n"],
        )
        by = lambda name: [o["result"] for o in outputs if o["name"] == name and "result" in o]  # noqa: E731

        def cite(*keywords: str, default: bool = True) -> str:
            """[n] of the first passage mentioning any keyword (else the first passage)."""
            for p in passages:
                hay = p["title"] + p["text"] + p.get("heading", "")
                if any(k in hay for k in keywords):
                    return f"[{p['n']}]"
            return f"[{passages[0]['n']}]" if passages and default else ""

        def status(s: str) -> str:
            return STATUS_ZH[s] if zh else STATUS_EN[s]

        def metric_name(key: str) -> str:
            m = METRICS[key]
            return m.zh if zh else m.en

        def model_label(name: str) -> str:
            """A forecaster's name in the answer's language (`prompts/offline/model_names.yaml`)."""
            if not zh:
                return name
            for en, cn in self.model_names:
                name = name.replace(en, cn)
            return name.replace(")", "）") if "（" in name else name

        def focus(region: str) -> str:
            """brand, price or balanced: the region's AOV against the company's (tools/segments.py)."""
            aov = {
                r["region"]: r["actual"]
                for r in by("kpi_lookup")
                if r["metric"] == "aov" and not r["channel"]
            }
            return region_focus(aov.get(region), aov.get(None))

        ctx = {
            "zh": zh,
            "focus": focus,
            "intent": intent,
            "passages": passages,
            "lookups": by("kpi_lookup"),
            "diagnoses": by("kpi_diagnose"),
            "forecasts": by("forecast"),
            "budgets": by("budget_allocate"),
            "scenarios": by("budget_scenario"),
            "drafts": [o for o in outputs if o["name"] == "create_draft" and "draft" in o],
            "errors": [o["error"] for o in outputs if o.get("error")],
            "cite": cite,
            "status": status,
            "metric_name": metric_name,
            "model_label": model_label,
            "dim": (lambda d: DIM_ZH[d]) if zh else (lambda d: d),
        }
        lookups = by("kpi_lookup")
        ctx.update(
            weekly=[r for r in lookups if "-W" in r["period"]],
            whole=[r for r in lookups if "-W" not in r["period"]],
            every=sorted(
                (r for r in lookups if r.get("target") is not None and r.get("deviation_pct") is not None),
                key=lambda r: -abs(r["deviation_pct"]),
            ),
            parts_off=sorted(
                (
                    row | {"metric": k["metric"], "by": k["by"], "unit": k["unit"]}
                    for k in by("kpi_rank")
                    for row in k["rows"]
                    if row["status"] == "off_target" and row.get("deviation_pct") is not None
                ),
                key=lambda row: -abs(row["deviation_pct"]),
            ),
            week_start=lambda label: parse_period(label).start.date().isoformat(),
            week_end=lambda label: parse_period(label).end.date().isoformat(),
            kpi_label=lambda key: kpi_label(key, zh),
            met=met_target,
            pairs=slice_pairs(lookups),
            ranks=by("kpi_rank"),
            key_points=lambda question: answer_points(question, passages, zh),
            uploaded=[p for p in passages if not p.get("key_points_en")],
            instructions=looks_like_instructions,
            scope=lambda r: scope_label(r, zh),
            implicit_period=not intent.period_said,
            key_unit=lambda key: METRICS[key].unit if key in METRICS else "",
        )
        drafted = any(o["name"] == "create_draft" for o in outputs)
        skill = registry().get(intent.kind)
        template = (
            "draft.md.j2"
            if intent.kind == "draft" or drafted
            else skill.template_name
            if skill
            else f"{intent.kind}.md.j2"
        )
        body = self.env.get_template(template).render(**ctx).strip()
        footer = self.env.get_template("_footer.md.j2").render(**ctx).strip()
        return re.sub(r"\n{3,}", "\n\n", f"{body}\n\n{footer}")


def slice_pairs(lookups: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(asked, other) for each metric looked up for two slices of one period, or for one slice in
    two periods."""
    pairs = []
    for i, r in enumerate(lookups):
        for o in lookups[i + 1 :]:
            scope = (o.get("region"), o.get("channel")) == (r.get("region"), r.get("channel"))
            one_differs = (o["period"] == r["period"]) != scope  # another slice, or another period
            if o["metric"] == r["metric"] and one_differs and r.get("actual") is not None and o.get("actual"):
                pairs.append((r, o))
    return pairs


def met_target(r: dict[str, Any]) -> bool:
    """The KPI is at or on the good side of its target (a cost at or below it)."""
    dev = r.get("deviation_pct")
    if dev is None or r.get("metric") not in METRICS:
        return False
    return bool(dev <= 0 if METRICS[r["metric"]].direction == "lower" else dev >= 0)


def kpi_label(key: str, zh: bool) -> str:
    """A metric as planners name it: 投资回报率（ROI）, or the English name with its abbreviation."""
    m = METRICS[key]
    abbr = re.search(r"\(([A-Z]{2,})\)", m.en)
    return f"{m.zh}（{abbr.group(1)}）" if zh and abbr else m.zh if zh else m.en


def scope_label(r: dict[str, Any], zh: bool) -> str:
    """The slice a result is about: 华东 · 短视频, or the whole company."""
    parts = [x for x in (r.get("region"), r.get("channel")) if x]
    if parts:
        return " · ".join(parts)
    return "全公司" if zh else "company-wide"


_LIST_MARK = re.compile(r"^\s*([-*•]|\d+[.、)）])\s*")


def _sentences(text: str) -> tuple[list[str], set[int]]:
    """A passage's sentences in order, and which of them are list items; an item stays one piece,
    and a sentence that opens a list ("需要写清五件事：") is kept, since it says what the items are."""
    out: list[str] = []
    items: set[int] = set()
    for line in text.splitlines():
        marked = bool(_LIST_MARK.match(line))
        body = _LIST_MARK.sub("", line, count=1).strip() if marked else line.strip()
        pieces = [body] if marked else re.split(r"(?<=[。！？；!?])|(?<=\.)\s+", body)
        for piece in (p.strip() for p in pieces):
            if len(piece) >= 6:
                if marked:
                    items.add(len(out))
                out.append(piece)
    return out, items


# A referenced document's title (《…》) names that document; its words are not the sentence's own.
_CITED_TITLE = re.compile(r"《[^》]*》")
# A sentence that announces a list ("三条原则", "分四步", "五件事", "如下：") and the items that follow it.
_COUNT = "两二三四五六七八九十"
_ANNOUNCES = re.compile(
    rf"([{_COUNT}几\d])\s*(?:个|大)?\s*[条个步项点类种层方面件部档级块环]|以下|如下|[：:]$"
)
_ITEM = re.compile(
    r"^(第[一二三四五六七八九十]+|[一二三四五六七八九十]是|首先|其次|再次|最后|[（(]?\d+[)）.、])"
)
# a question that asks for a list: its answer is the sentence that announces the list, and the items
_LIST_QUESTION = re.compile(
    r"哪几|哪些|哪[两三四五六]|几[个类步项件部种条点大]|分几|包括|包含|what are|which .{0,20}(steps|parts|types|kinds)|list",
    re.I,
)


def _count(announcement: re.Match[str]) -> int | None:
    n = announcement.group(1)
    if not n or n == "几":
        return None
    return int(n) if n.isdigit() else " 一二三四五六七八九十".index(n.replace("两", "二"))


def answer_points(
    question: str, passages: list[dict[str, Any]], zh: bool, limit: int = 4
) -> list[dict[str, Any]]:
    """The few sentences that answer a knowledge question, each with the passage it comes from.

    Only curated documents (those with English key points, as every document under `knowledge/`
    has) are restated: an uploaded document is quoted as data, so nothing it says becomes the
    assistant's own words. Chinese answers take sentences from the passages; English answers take
    the documents' English key points for the cited section. Sentences are scored by the query
    words they share (ties go to the better-ranked passage), most relevant first; words inside a
    referenced title (《…》) do not count, since a pointer to another document is not an answer.
    A chosen sentence that announces a list ("分配时依次套用三条原则") brings the items that
    follow it (第一…第二…第三…), which rarely repeat the question's words.
    """
    from assistant.kb.tokens import expand_query, lexical_tokens

    words = set(lexical_tokens(expand_query(question)))
    wants_list = bool(_LIST_QUESTION.search(question))
    asked = "".join(re.findall(r"几\s*(?:个|大)?\s*([条个步项点类种层方面件部档级块环])", question))
    scored: list[tuple[float, int, int, str, int]] = []
    sentences: dict[int, list[str]] = {}
    items: dict[int, set[int]] = {}
    titles: dict[int, str] = {}
    for rank, p in enumerate(passages):
        if not p.get("key_points_en"):
            continue  # not a curated document (no key points): quoted as data, never restated as the answer
        titles[p["n"]] = p.get("title", "") if zh else p.get("title_en", "")
        candidates, items[rank] = _sentences(p["text"]) if zh else (list(p.get("key_points_en") or []), set())
        sentences[rank] = candidates
        for i, sentence in enumerate(candidates):
            overlap = float(len(words & set(lexical_tokens(_CITED_TITLE.sub("", sentence)))))
            opens = _ANNOUNCES.search(sentence) if wants_list and zh else None
            if opens:  # the sentence that opens the list the question asks for ("分哪几类" ↔ "分三类")
                overlap += 3.0 if asked and opens.group(0)[-1] in asked else 1.5
            scored.append((overlap - rank * 0.3 - i * 0.05, rank, i, sentence, p["n"]))
    scored.sort(key=lambda x: -x[0])
    points: list[dict[str, Any]] = []
    taken: set[tuple[int, int]] = set()
    listed = False
    for _, rank, i, sentence, n in scored[:limit]:
        if (rank, i) in taken:
            continue
        taken.add((rank, i))
        points.append({"text": sentence, "n": n})
        announced = _ANNOUNCES.search(sentence)
        # a list follows only a sentence that ends by announcing it ("分三类。", "写清五件事："),
        # not one that names its items itself ("包含三项功能：看板、预警和预测")
        if not announced or listed or len(sentence.rstrip("。.；;")) - announced.end() > 3:
            continue
        listed = wants_list  # a list question gets one list: the best one, first
        if listed:
            points.insert(0, points.pop())
        # the items: as many sentences as the announcement counts ("分三类"), else those marked as items
        count = _count(announced) if announced.group(1) else None
        for j, item in enumerate(sentences[rank][i + 1 : i + 1 + min(count or 8, 8)], start=i + 1):
            if (count is None and not (_ITEM.match(item) or j in items[rank])) or (rank, j) in taken:
                break
            taken.add((rank, j))
            points.insert(j - i, {"text": item, "n": n}) if listed else points.append({"text": item, "n": n})
        if listed:
            break  # the list is the answer
    return [p | {"title": titles.get(p["n"], "")} for p in points]
