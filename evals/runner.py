"""`planner eval`: run suites, check thresholds, write a Markdown summary, JUnit XML and history.

A suite is a function `(services) -> SuiteResult`. Thresholds live in `evals/thresholds.toml` as
`[suite.min]` / `[suite.max]` tables of `"group.metric" = value`.
"""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from tools.errors import InvalidArgument

THRESHOLDS = Path(__file__).parent / "thresholds.toml"


@dataclass
class SuiteResult:
    name: str
    metrics: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def flatten(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in metrics.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, f"{key}."))
        elif isinstance(v, int | float):
            out[key] = float(v)
    return out


def _retrieval(services: Any) -> SuiteResult:
    """The tuning set, plus a held-out set written independently of the glossary and tuning."""
    from evals.retrieval import DATA, load_queries, run

    r = run(services.index)
    held = run(services.index, load_queries(DATA.with_name("retrieval_holdout.jsonl")))
    metrics = flatten(r["metrics"]) | flatten(held["metrics"], "holdout.")
    return SuiteResult("retrieval", metrics, {"misses": r["misses"], "holdout_misses": held["misses"]})


def _wrap(
    name: str, fn: Callable[[Any], tuple[dict[str, float], dict[str, Any]]]
) -> Callable[[Any], SuiteResult]:
    def run(services: Any) -> SuiteResult:
        metrics, details = fn(services)
        return SuiteResult(name, {k: round(v, 4) for k, v in metrics.items()}, details)

    return run


def _details(
    result: tuple[dict[str, float], list[dict[str, Any]]],
) -> tuple[dict[str, float], dict[str, Any]]:
    metrics, rows = result
    return metrics, {"failures": [r for r in rows if not r["ok"]]}


def _suites() -> dict[str, Callable[[Any], SuiteResult]]:
    from evals import conversations, holdout, suites

    return {
        "retrieval": _retrieval,
        "routing": _wrap("routing", suites.routing),
        "requests": _wrap("requests", holdout.requests),
        "conversations": _wrap("conversations", lambda services: _details(conversations.evaluate(services))),
        "diagnosis": _wrap("diagnosis", suites.diagnosis),
        "forecast": _wrap("forecast", suites.forecast),
        "drafting": _wrap("drafting", suites.drafting),
        "safety": _wrap("safety", suites.safety),
        "answers": _wrap("answers", suites.answers),
        "imports": _wrap("imports", suites.imports),
        "budget": _wrap("budget", suites.budget),
        "judge": _wrap("judge", suites.judge),  # LLM-judged: only runs with an LLM, reported apart
    }


class _LazySuites(dict):
    """The suite table, imported on first use so `planner --help` stays fast."""

    def _load(self) -> None:
        if not super().__len__():
            self.update(_suites())

    def __iter__(self):
        self._load()
        return super().__iter__()

    def __getitem__(self, key: str) -> Callable[[Any], SuiteResult]:
        self._load()
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._load()
        return super().__contains__(key)

    def keys(self):
        self._load()
        return super().keys()

    def __len__(self) -> int:
        self._load()
        return super().__len__()


SUITES: dict[str, Callable[[Any], SuiteResult]] = _LazySuites()


def check(result: SuiteResult, thresholds: dict[str, Any]) -> list[str]:
    rules = thresholds.get(result.name, {})
    failures = []
    for key, floor in rules.get("min", {}).items():
        value = result.metrics.get(key)
        if value is None or value < floor:
            failures.append(f"{result.name}: {key} = {value} is below the threshold {floor}")
    for key, ceiling in rules.get("max", {}).items():
        value = result.metrics.get(key)
        if value is None or value > ceiling:
            failures.append(f"{result.name}: {key} = {value} is above the threshold {ceiling}")
    return failures


def run_suites(services: Any, names: list[str], *, thresholds_path: Path = THRESHOLDS) -> list[SuiteResult]:
    unknown = set(names) - set(SUITES)
    if unknown:
        raise InvalidArgument(
            f"unknown suite(s): {', '.join(sorted(unknown))}; available: {', '.join(SUITES)}"
        )
    thresholds = tomllib.loads(thresholds_path.read_text(encoding="utf-8"))
    results = []
    for name in names:
        t = time.perf_counter()
        result = SUITES[name](services)
        result.seconds = round(time.perf_counter() - t, 2)
        result.failures = check(result, thresholds)
        results.append(result)
    return results


def markdown(results: list[SuiteResult], *, engine: str, previous: dict[str, Any] | None = None) -> str:
    lines = [f"# Eval summary ({engine} engine)", ""]
    prev = (previous or {}).get("metrics", {})
    for r in results:
        verdict = "FAIL" if r.failures else "pass"
        lines += [
            f"## {r.name}: {verdict} ({r.seconds} s)",
            "",
            "| metric | value | previous |",
            "|---|---|---|",
        ]
        for k, v in sorted(r.metrics.items()):
            old = prev.get(r.name, {}).get(k)
            delta = "" if old is None else f"{old:.4f} ({v - old:+.4f})"
            lines.append(f"| {k} | {v:.4f} | {delta} |")
        lines += [f"- {f}" for f in r.failures] + [""]
    return "\n".join(lines)


def junit(results: list[SuiteResult]) -> str:
    suites = ET.Element("testsuites", name="planner-eval")
    for r in results:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=r.name,
            tests="1",
            failures=str(int(bool(r.failures))),
            time=str(r.seconds),
        )
        case = ET.SubElement(
            suite, "testcase", classname=f"eval.{r.name}", name="thresholds", time=str(r.seconds)
        )
        if r.failures:
            ET.SubElement(case, "failure", message="; ".join(r.failures)).text = json.dumps(
                r.metrics, indent=1
            )
    return ET.tostring(suites, encoding="unicode")


def write_reports(
    results: list[SuiteResult], out_dir: Path, *, engine: str, model: str
) -> tuple[str, dict[str, Any] | None]:
    """Write summary.md, junit.xml and append to history.jsonl; return the Markdown and the previous run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    history = out_dir / "history.jsonl"
    previous = None
    if history.exists():
        lines = [x for x in history.read_text(encoding="utf-8").splitlines() if x.strip()]
        previous = json.loads(lines[-1]) if lines else None
    md = markdown(results, engine=engine, previous=previous)
    (out_dir / "summary.md").write_text(md, encoding="utf-8")
    (out_dir / "junit.xml").write_text(junit(results), encoding="utf-8")
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "model": model,
        "metrics": {r.name: r.metrics for r in results},
        "failures": [f for r in results for f in r.failures],
    }
    with history.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return md, previous
