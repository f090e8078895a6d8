"""Budget splits and what-ifs on ground truth: per synthetic world (known adstock, saturation,
season-driven spend), the regret of our next-quarter split against the true optimum, beside last
year's shares and an equal split, and the error of our what-if predictions against the true change
(`evals/budget_worlds.py`; `--blind` for the worlds written without sight of the model,
`evals/budget_worlds_blind.py`).

    .venv/bin/python bench/budget_regret.py            # tuning and held-out worlds
    .venv/bin/python bench/budget_regret.py --seeds 7 8 9
    .venv/bin/python bench/budget_regret.py --blind --seeds 300 301 302
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evals import budget_worlds_blind
from evals.budget_worlds import HELD_OUT, TUNING, evaluate, make_world


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*")
    ap.add_argument("--blind", action="store_true", help="the blind worlds' generator")
    args = ap.parse_args()
    make = budget_worlds_blind.make_world if args.blind else make_world
    groups = {"custom": tuple(args.seeds)} if args.seeds else {"tuning": TUNING, "held-out": HELD_OUT}
    if args.blind and not args.seeds:
        groups = {"blind": budget_worlds_blind.SEEDS}
    for name, seeds in groups.items():
        started = time.perf_counter()
        metrics, rows = evaluate(seeds, make)
        print(f"## {name} worlds ({time.perf_counter() - started:.1f} s)")
        print("| world | ours | last year's shares | equal split | what-if error |\n|---|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['world']:.0f} | {r['ours']:.2%} | {r['last_year']:.2%} | {r['equal']:.2%} | {r['what_if_error']:.1%} |"
            )
        print(
            f"| mean | {metrics['regret.ours']:.2%} | {metrics['regret.last_year']:.2%} | {metrics['regret.equal']:.2%} "
            f"| {metrics['what_if.error']:.1%} |"
        )
        print(
            f"ours beats last year's shares in {metrics['beats_last_year']:.0%} of worlds; the extreme move "
            f"(beyond the data) errs by {metrics['what_if.extreme_error']:.0%}, flagged in "
            f"{metrics['what_if.extreme_flagged']:.0%}\n"
        )


if __name__ == "__main__":
    main()
