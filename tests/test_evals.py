"""The eval machinery: metrics computed correctly on tiny fixed examples, thresholds enforced."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.metrics import dedupe, mrr_at, ndcg_at, recall_at
from evals.retrieval import evaluate
from evals.runner import SuiteResult, check, junit
from tests.utils import point_cli_at


def test_ranking_metrics_on_a_fixed_example() -> None:
    ranked = ["x", "a", "y", "b"]
    relevant = {"a", "b"}
    assert recall_at(ranked, relevant, 2) == 0.5
    assert recall_at(ranked, relevant, 5) == 1.0
    assert mrr_at(ranked, relevant, 10) == 0.5
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at(ranked, relevant, 10) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)
    assert dedupe(["a", "a", "b", "a"]) == ["a", "b"]


def test_evaluate_groups_by_language_and_lists_misses() -> None:
    answers = {"q1": ["a", "b"], "q2": ["c", "d", "e", "f", "g", "h"]}
    queries = [
        {"query": "q1", "lang": "zh", "relevant": ["a"]},
        {"query": "q2", "lang": "en", "relevant": ["h"]},
    ]
    report = evaluate(lambda q: answers[q], queries)
    assert report["metrics"]["zh"]["recall@5"] == 1.0
    assert report["metrics"]["en"]["recall@5"] == 0.0 and report["metrics"]["en"]["mrr@10"] == pytest.approx(
        1 / 6, abs=1e-4
    )
    assert report["metrics"]["all"]["n"] == 2
    assert [m["query"] for m in report["misses"]] == ["q2"]


def test_threshold_check_and_junit() -> None:
    result = SuiteResult("retrieval", {"all.recall@5": 0.8, "all.mrr@10": 0.9})
    failures = check(result, {"retrieval": {"min": {"all.recall@5": 0.9}, "max": {"all.mrr@10": 0.95}}})
    assert failures == ["retrieval: all.recall@5 = 0.8 is below the threshold 0.9"]
    result.failures = failures
    assert "<failure" in junit([result])


def test_planner_eval_exits_non_zero_when_a_threshold_is_raised(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import cli

    point_cli_at(monkeypatch, settings)
    strict = tmp_path / "strict.toml"
    strict.write_text('[retrieval.min]\n"all.recall@5" = 1.01\n', encoding="utf-8")
    runner = CliRunner()
    failed = runner.invoke(
        cli.app, ["eval", "retrieval", "--thresholds", str(strict), "--out", str(tmp_path / "r")]
    )
    assert failed.exit_code == 1 and "below the threshold 1.01" in failed.output
    passed = runner.invoke(cli.app, ["eval", "retrieval", "--out", str(tmp_path / "r")])
    assert passed.exit_code == 0, passed.output
    history = [json.loads(x) for x in (tmp_path / "r" / "history.jsonl").read_text().splitlines()]
    assert len(history) == 2 and history[0]["failures"] and not history[1]["failures"]
    assert (tmp_path / "r" / "junit.xml").exists()
    cli.get_settings.cache_clear()


def test_a_cassette_recorded_from_a_scripted_llm_replays_and_is_scored(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import cli
    from evals.scripted_llm import record_routing

    point_cli_at(monkeypatch, settings)
    cassette = tmp_path / "routing.json"
    assert record_routing(cassette) == len(
        Path("evals/data/routing.jsonl").read_text(encoding="utf-8").splitlines()
    )
    assert "authorization" not in cassette.read_text(encoding="utf-8").lower()
    result = CliRunner().invoke(
        cli.app, ["eval", "routing", "--replay", str(cassette), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    assert "llm engine" in result.output and "| tool_recall | 1.0000 |" in result.output
    # the committed cassette replays in CI too
    committed = CliRunner().invoke(
        cli.app,
        [
            "eval",
            "routing",
            "--replay",
            "evals/cassettes/routing-scripted.json",
            "--out",
            str(tmp_path / "c"),
        ],
    )
    assert committed.exit_code == 0, committed.output
    cli.get_settings.cache_clear()


def test_judge_is_skipped_without_an_llm(services) -> None:
    from evals.suites import judge

    assert judge(services) == ({}, {"skipped": "no LLM configured"})


def test_the_budget_benchmark_knows_the_best_split() -> None:
    """The ground-truth worlds are deterministic, their optimum is no worse than any split the
    benchmark compares (regret is never negative), and more money buys more revenue."""
    import numpy as np

    from evals.budget_worlds import CHANNELS, evaluate, make_world

    world = make_world(3)
    assert world.facts.equals(make_world(3).facts) and len(CHANNELS) == 5
    total = world.budget()
    best = world.optimum(total)
    assert abs(best.sum() - total) < 1e-6 * total and (best >= 0.05 * total - 1).all()
    for split in (world.last_year_split(total), np.full(5, total / 5)):
        assert world.regret(split, best) >= -1e-9
    assert world.revenue_of(best * 1.2) > world.revenue_of(best)
    metrics, rows = evaluate((3,))
    assert rows[0]["ours"] >= -1e-9 and metrics["n"] == 1.0
