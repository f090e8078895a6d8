"""PyMC-Marketing's MMM run "as-is" on the synthetic budget worlds: the regret of its recommended
next-quarter split beside last year's shares and an equal split (`evals/budget_worlds.py`).

PyMC-Marketing is not a project dependency; run this with an interpreter that has it, e.g.

    /tmp/pymcenv/bin/python bench/pymc_baseline.py                       # held-out worlds 100-104
    /tmp/pymcenv/bin/python bench/pymc_baseline.py --seeds 100 --draws 100 --tune 100
    /tmp/pymcenv/bin/python bench/pymc_baseline.py --worlds blind         # evals/budget_worlds_blind.py

Per world: the long facts are summed over regions to weekly spend per channel and weekly total
revenue; `pymc_marketing.mmm.multidimensional.MMM` (the class the package's documentation uses; the
old `pymc_marketing.mmm.MMM` is deprecated, `--api legacy` selects it) is fitted with
`GeometricAdstock(l_max=8)`, `LogisticSaturation()`, `yearly_seasonality=2` and default priors by
NUTS; its own budget optimizer (`MultiDimensionalBudgetOptimizerWrapper.optimize_budget`, or the
legacy `MMM.optimize_budget`) splits the quarter's budget over the weeks (Mondays) of `world.next_quarter`
(13 in the default worlds; per-week budget total/weeks, each channel bounded to [0.05, 0.40] of it). `--optimizer scipy`
instead maximises the posterior-mean channel contribution with scipy on the fitted curves.
A JSON summary goes to `bench/results/pymc_baseline.json` (`..._blind.json` for blind worlds).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd

MIN_SHARE, MAX_SHARE = 0.05, 0.40
L_MAX = 8


def load_worlds(kind: str):
    """The worlds module: `evals.budget_worlds` or `evals.budget_worlds_blind`."""
    name = {"default": "evals.budget_worlds", "blind": "evals.budget_worlds_blind"}[kind]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            raise SystemExit(f"--worlds {kind}: {name.replace('.', '/')}.py does not exist (yet)") from e
        raise


def channels_of(module, world) -> list[str]:
    return list(getattr(world, "channels", None) or module.CHANNELS)


def weekly_frame(world, channels: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Weekly spend per channel (summed over regions) and weekly total revenue."""
    f = world.facts
    spend = (
        f[f["metric"] == "spend"]
        .pivot_table(index="date", columns="channel", values="value", aggfunc="sum")
        .reindex(columns=channels)
        .fillna(0.0)
    )
    revenue = f[f["metric"] == "revenue"].groupby("date")["value"].sum()
    dates = spend.index.union(revenue.index).sort_values()
    spend = spend.reindex(dates, fill_value=0.0)
    X = spend.reset_index().rename(columns={"index": "date"})
    X["date"] = pd.to_datetime(X["date"])
    X.columns.name = None
    y = revenue.reindex(dates, fill_value=0.0).astype(float).reset_index(drop=True).rename("y")
    return X, y


def quarter_mondays(world) -> pd.DatetimeIndex:
    """The weeks (dated by Monday, like the data) of `world.next_quarter`, e.g. "2026-Q4"."""
    q = pd.Period(world.next_quarter.replace("-", ""), freq="Q")
    return pd.date_range(q.start_time, q.end_time.normalize(), freq="W-MON")


def build_mmm(api: str, channels: list[str]):
    from pymc_marketing.mmm import GeometricAdstock, LogisticSaturation

    common = dict(
        date_column="date",
        channel_columns=channels,
        adstock=GeometricAdstock(l_max=L_MAX),
        saturation=LogisticSaturation(),
        yearly_seasonality=2,
    )
    if api == "legacy":
        from pymc_marketing.mmm import MMM

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return MMM(**common)
    from pymc_marketing.mmm.multidimensional import MMM

    return MMM(target_column="y", **common)


def library_split(api: str, mmm, mondays: pd.DatetimeIndex, channels: list[str], total: float):
    """The library's own budget optimizer; budgets there are per period (week)."""
    weeks = len(mondays)
    per_week = total / weeks
    bounds = {c: (MIN_SHARE * per_week, MAX_SHARE * per_week) for c in channels}
    if api == "legacy":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            alloc, res = mmm.optimize_budget(budget=per_week, num_periods=weeks, budget_bounds=bounds)
        how = "pymc_marketing.mmm.MMM.optimize_budget (BudgetOptimizer)"
    else:
        from pymc_marketing.mmm.budget_optimizer import optimizer_xarray_builder
        from pymc_marketing.mmm.multidimensional import MultiDimensionalBudgetOptimizerWrapper

        wrapper = MultiDimensionalBudgetOptimizerWrapper(
            model=mmm, start_date=mondays[0].strftime("%Y-%m-%d"), end_date=mondays[-1].strftime("%Y-%m-%d")
        )
        if wrapper.num_periods != weeks:
            raise RuntimeError(f"optimizer window has {wrapper.num_periods} periods, expected {weeks}")
        xr_bounds = optimizer_xarray_builder(
            value=np.array([bounds[c] for c in channels]), channel=channels, bound=["lower", "upper"]
        )
        alloc, res = wrapper.optimize_budget(budget=per_week, budget_bounds=xr_bounds)
        how = "MultiDimensionalBudgetOptimizerWrapper.optimize_budget (BudgetOptimizer)"
    weekly = np.array([float(alloc.sel(channel=c)) for c in channels])
    info = {
        "how": how,
        "success": bool(res.success),
        "message": str(res.message),
        "nit": int(res.get("nit", -1)),
    }
    return weekly * weeks, info


def scipy_split(mmm, channels: list[str], total: float, weeks: int):
    """Maximise the posterior-mean channel contribution over the quarter (and the adstock tail
    after it, as the library does) with the fitted curves: normalised geometric adstock from zero
    carry-in, then beta * logistic(lam * x), on the model's max-scaled channels."""
    from scipy.optimize import minimize

    post = mmm.idata.posterior

    def draws(name: str) -> np.ndarray:
        return post[name].stack(s=("chain", "draw")).transpose("s", "channel").sel(channel=channels).values

    alpha, lam, beta = draws("adstock_alpha"), draws("saturation_lam"), draws("saturation_beta")
    if hasattr(mmm, "get_scales_as_xarray"):
        scale = mmm.get_scales_as_xarray()["channel_scale"].sel(channel=channels).values
    else:  # legacy MMM
        scale = mmm.channel_transformer["scaler"].scale_
    w = alpha[:, :, None] ** np.arange(L_MAX)[None, None, :]  # draw × channel × lag
    if getattr(mmm.adstock, "normalize", True):
        w = w / w.sum(axis=2, keepdims=True)
    horizon = weeks + L_MAX
    on = (np.arange(horizon) < weeks).astype(float)  # spend weeks, then the carry-over tail

    def contribution(shares: np.ndarray) -> float:
        x = shares * total / weeks / scale  # scaled weekly spend per channel
        series = on[:, None] * x[None, :]  # time × channel
        ad = np.zeros((alpha.shape[0], horizon, len(channels)))
        for lag in range(L_MAX):
            ad[:, lag:, :] += w[:, None, :, lag] * series[None, : horizon - lag, :]
        sat = beta[:, None, :] * (1 - np.exp(-lam[:, None, :] * ad)) / (1 + np.exp(-lam[:, None, :] * ad))
        return float(sat.sum(axis=(1, 2)).mean())

    n = len(channels)
    best = None
    for s0 in (np.full(n, 1 / n),):
        res = minimize(
            lambda s: -contribution(s),
            s0,
            bounds=[(MIN_SHARE, MAX_SHARE)] * n,
            constraints=[{"type": "eq", "fun": lambda s: s.sum() - 1}],
            method="SLSQP",
            options={"ftol": 1e-10, "maxiter": 300},
        )
        if best is None or res.fun < best.fun:
            best = res
    info = {
        "how": "scipy SLSQP on posterior-mean channel contribution",
        "success": bool(best.success),
        "message": str(best.message),
        "nit": int(best.nit),
    }
    return best.x * total, info


def diagnostics(idata) -> dict:
    import arviz as az

    out: dict = {}
    try:
        out["divergences"] = int(idata.sample_stats["diverging"].sum())
    except Exception:
        out["divergences"] = None
    try:
        rhat = az.rhat(idata.posterior)
        out["max_rhat"] = float(max(float(rhat[v].max()) for v in rhat.data_vars))
        ess = az.ess(idata.posterior)
        out["min_ess_bulk"] = float(min(float(ess[v].min()) for v in ess.data_vars))
    except Exception:
        out["max_rhat"] = out["min_ess_bulk"] = None
    return out


def run_world(module, seed: int, args) -> dict:
    world = module.make_world(seed)
    channels = channels_of(module, world)
    mondays = quarter_mondays(world)
    weeks = len(mondays)
    total = world.budget()
    best = world.optimum(total)
    X, y = weekly_frame(world, channels)

    mmm = build_mmm(args.api, channels)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        mmm.fit(
            X,
            y,
            chains=args.chains,
            draws=args.draws,
            tune=args.tune,
            target_accept=0.9,
            cores=args.cores,
            random_seed=seed,
            progressbar=False,
        )
    fit_s = time.perf_counter() - started

    started = time.perf_counter()
    if args.optimizer == "library":
        split, opt = library_split(args.api, mmm, mondays, channels, total)
    else:
        split, opt = scipy_split(mmm, channels, total, weeks)
    opt_s = time.perf_counter() - started

    splits = {
        "pymc": split,
        "last_year": world.last_year_split(total),
        "equal": np.full(len(channels), total / len(channels)),
    }
    row = {
        "world": seed,
        **{k: round(float(world.regret(v, best)), 4) for k, v in splits.items()},
        "fit_s": round(fit_s, 1),
        "opt_s": round(opt_s, 1),
        "budget": total,
        "quarter": world.next_quarter,
        "quarter_weeks": weeks,
        "gap_weeks": int((mondays[0] - pd.Timestamp(X["date"].max())).days // 7 - 1),
        "channels": channels,
        "shares": {
            "pymc": [round(float(s), 4) for s in split / split.sum()],
            "optimum": [round(float(s), 4) for s in best / best.sum()],
            "last_year": [round(float(s), 4) for s in splits["last_year"] / total],
        },
        "split_sum_over_budget": round(float(split.sum() / total), 6),
        "optimizer": opt,
        **diagnostics(mmm.idata),
    }
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--seeds", type=int, nargs="*", help="world seeds (default: held-out 100-104, or SEEDS for blind)"
    )
    ap.add_argument("--worlds", choices=("default", "blind"), default="default")
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--api", choices=("multidimensional", "legacy"), default="multidimensional")
    ap.add_argument("--optimizer", choices=("library", "scipy"), default="library")
    ap.add_argument(
        "--out", type=Path, help="JSON summary path (default bench/results/pymc_baseline[_blind].json)"
    )
    args = ap.parse_args()

    logging.getLogger("pymc").setLevel(logging.ERROR)
    logging.getLogger("pymc_marketing").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module="pymc_marketing")

    module = load_worlds(args.worlds)
    if args.seeds:
        seeds = tuple(args.seeds)
    elif args.worlds == "blind":
        seeds = tuple(module.SEEDS)
    else:
        seeds = tuple(range(100, 105))

    import pymc
    import pymc_marketing

    print(
        f"## PyMC-Marketing {pymc_marketing.__version__} (pymc {pymc.__version__}) on {args.worlds} worlds {list(seeds)}: "
        f"api={args.api}, optimizer={args.optimizer}, chains={args.chains}, draws={args.draws}, tune={args.tune}, "
        f"cores={args.cores}",
        flush=True,
    )
    rows = []
    started = time.perf_counter()
    for seed in seeds:
        row = run_world(module, seed, args)
        rows.append(row)
        print(
            f"world {seed}: pymc {row['pymc']:.1%}  last year {row['last_year']:.1%}  equal {row['equal']:.1%}  "
            f"(fit {row['fit_s']:.0f} s, optimize {row['opt_s']:.0f} s, divergences {row['divergences']}, "
            f"max r_hat {row['max_rhat']:.3f}, optimizer ok {row['optimizer']['success']})",
            flush=True,
        )
    wall = time.perf_counter() - started

    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("pymc", "last_year", "equal", "fit_s")}
    print("\n| world | pymc-marketing | last year's shares | equal split | fit (s) | divergences |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['world']} | {r['pymc']:.1%} | {r['last_year']:.1%} | {r['equal']:.1%} | {r['fit_s']:.0f} | {r['divergences']} |"
        )
    print(
        f"| mean | {mean['pymc']:.1%} | {mean['last_year']:.1%} | {mean['equal']:.1%} | {mean['fit_s']:.0f} | |"
    )
    beats = float(np.mean([r["pymc"] <= r["last_year"] for r in rows]))
    print(f"pymc-marketing beats last year's shares in {beats:.0%} of worlds; total {wall:.0f} s")

    out = args.out or ROOT / "bench" / "results" / (
        "pymc_baseline.json" if args.worlds == "default" else "pymc_baseline_blind.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "versions": {"pymc_marketing": pymc_marketing.__version__, "pymc": pymc.__version__},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "seeds": list(seeds),
        "worlds_module": {
            "path": str(Path(module.__file__).resolve().relative_to(ROOT)),
            "sha256": hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest(),
        },
        "metrics": {
            "regret.pymc": mean["pymc"],
            "regret.last_year": mean["last_year"],
            "regret.equal": mean["equal"],
            "worst.pymc": max(r["pymc"] for r in rows),
            "beats_last_year": beats,
            "mean_fit_s": mean["fit_s"],
            "total_s": round(wall, 1),
            "n": len(rows),
        },
        "rows": rows,
    }
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
