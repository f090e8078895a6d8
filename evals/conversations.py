"""Multi-turn planning conversations, scored turn by turn (issue 33's blind measurement).

`evals/conversations_blind.py` (written blind: its author read neither the engine nor the evals
beyond the pandas truth helpers of `evals/holdout_facts.py`) writes the conversations with a fully
resolved expectation for every turn, in the demo workspace and in a second company's ("blindco",
its own regions, channels and targets, spoken of colloquially). Each conversation runs through
the real agent loop in one chat; every turn is checked with the same checks as the single
requests (`evals.holdout._checks`: figures within 1%, scope, period, comparison, language), plus
the turn's own key phrases. Scores: the share of turns fully correct and the share of whole
conversations with every turn correct.

`python -m evals.conversations [--fresh | --final]` prints the scores and writes the failures to
`var/evals/conversations_<set>.json`. Sets: `blind` (issue 33's first blind set, scored once on
arrival at 41.5% of turns, tuned on since) `fresh` (written blind near the end, scored once
on arrival at 75.4% of turns, tuned on since) and `final` (written blind at the end of the work,
scored once, never tuned), each with its knowledge questions' phrase recall.
"""

from __future__ import annotations

import asyncio
import json
from statistics import mean
from typing import Any

from assistant.chat import ChatService
from assistant.services import Services
from evals.context import eval_services
from evals.holdout import TODAY, _checks

# each set: its file, and the module whose company() builds its second company's workspace
SETS = {
    "blind": ("conversations_blind.jsonl", "evals.conversations_blind", "blindco"),
    "fresh": ("conversations_fresh.jsonl", "evals.conversations_fresh", "freshco"),
    "final": ("conversations_final.jsonl", "evals.conversations_final", "finalco"),
}


def _sandbox(services: Services, name: str = "blind") -> Services:
    import importlib

    _, module, workspace = SETS[name]
    sandbox = eval_services(services, today=TODAY)
    facts, targets = importlib.import_module(module).company()
    sandbox.accounts.create_workspace(workspace)
    sandbox.kpis.import_frames(facts, targets, workspace=workspace, source=f"eval: {workspace}")
    return sandbox


def _turn_checks(
    turn: dict[str, Any], lang: str, answer: str, calls: list[dict[str, Any]], cited: str
) -> dict[str, bool]:
    case = {"type": turn["type"], "expect": turn["expect"], "lang": lang}
    checks = _checks(case, answer, calls, cited)
    if turn["type"] != "knowledge":  # a knowledge turn's key phrases are checked by `_checks`
        for k in turn["expect"].get("keywords") or []:
            checks[f"says:{k}"] = k.lower() in answer.lower()
    return checks


async def _run(services: Services, conv: dict[str, Any]) -> dict[str, Any]:
    chat = ChatService(services, workspace=conv.get("workspace") or "default")
    conversation, turns = None, []
    for turn in conv["turns"]:
        r = await chat.ask(turn["text"], conversation_id=conversation)
        conversation = r.conversation_id
        cited = "\n".join(
            f"{c.get('title', '')} {c.get('heading', '')} {c.get('text', '')}" for c in r.citations
        )
        answer = r.answer or (r.error or "")
        checks = _turn_checks(turn, conv["lang"], answer, r.tool_calls, cited)
        turns.append(
            {
                "text": turn["text"],
                "type": turn["type"],
                "ok": all(checks.values()),
                "failed": [k for k, v in checks.items() if not v],
                "answer": answer[:500],
                "calls": [{"name": c["name"], "args": c["args"]} for c in r.tool_calls],
            }
        )
    return {
        "id": conv["id"],
        "lang": conv["lang"],
        "workspace": conv.get("workspace") or "default",
        "ok": all(t["ok"] for t in turns),
        "turns": turns,
    }


def evaluate(services: Services, name: str = "blind") -> tuple[dict[str, float], list[dict[str, Any]]]:
    from evals.suites import _jsonl

    sandbox = _sandbox(services, name)
    rows = [asyncio.run(_run(sandbox, conv)) for conv in _jsonl(SETS[name][0])]
    turns = [t | {"lang": r["lang"], "workspace": r["workspace"]} for r in rows for t in r["turns"]]
    metrics: dict[str, float] = {
        "turns.fully_correct": mean(t["ok"] for t in turns),
        "conversations.fully_correct": mean(r["ok"] for r in rows),
        "turns": float(len(turns)),
        "conversations": float(len(rows)),
    }
    for key in ("lang", "workspace", "type"):
        for value in sorted({t[key] for t in turns}):
            metrics[f"turns.{key}.{value}"] = mean(t["ok"] for t in turns if t[key] == value)
    return metrics, rows


if __name__ == "__main__":
    import sys

    from assistant.settings import ROOT, Settings

    name = next((a[2:] for a in sys.argv[1:] if a[2:] in SETS), "blind")
    services = Services(Settings())
    services.index  # noqa: B018  (the knowledge index, built if missing)
    m, rows = evaluate(services, name)
    for k, v in m.items():
        print(f"{k}: {v:.3f}" if v <= 1 else f"{k}: {int(v)}")
    out = ROOT / "var" / "evals" / f"conversations_{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([r for r in rows if not r["ok"]], ensure_ascii=False, indent=1), "utf-8")
    print(f"failures: {out}")
    if name in ("fresh", "final"):  # the set's knowledge questions (`evals/data/answers_<set>.jsonl`)
        from evals.suites import answers

        k, details = answers(services, f"answers_{name}.jsonl")
        print({key: round(v, 3) for key, v in k.items()})
        misses = ROOT / "var" / "evals" / f"answers_{name}.json"
        misses.write_text(json.dumps(details["misses"], ensure_ascii=False, indent=1), "utf-8")
