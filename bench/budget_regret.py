"""Budget splits on ground truth: per synthetic world (known adstock, saturation, season-driven
spend), the regret of our next-quarter split against the true optimum, beside last year's shares
and an equal split (`evals/budget_worlds.py`).

    .venv/bin/python bench/budget_regret.py            # tuning and held-out worlds
    .venv/bin/python bench/budget_regret.py --seeds 7 8 9
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evals.budget_worlds import HELD_OUT, TUNING, evaluate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*")
    args = ap.parse_args()
    groups = {"custom": tuple(args.seeds)} if args.seeds else {"tuning": TUNING, "held-out": HELD_OUT}
    for name, seeds in groups.items():
        started = time.perf_counter()
        metrics, rows = evaluate(seeds)
        print(f"## {name} worlds ({time.perf_counter() - started:.1f} s)")
        print("| world | ours | last year's shares | equal split |\n|---|---|---|---|")
        for r in rows:
            print(f"| {r['world']:.0f} | {r['ours']:.1%} | {r['last_year']:.1%} | {r['equal']:.1%} |")
        print(
            f"| mean | {metrics['regret.ours']:.1%} | {metrics['regret.last_year']:.1%} | {metrics['regret.equal']:.1%} |"
        )
        print(f"ours beats last year's shares in {metrics['beats_last_year']:.0%} of worlds\n")


if __name__ == "__main__":
    main()
