"""Why is a KPI off target: the gap decomposed over region, channel and region × channel.

Method. Each segment gets an *expected* value: the target spread over segments by the reference
period's mix (the period just before; with no target, the reference period itself is the
expectation). The gap between actual and target then splits exactly into segment contributions:

- additive metrics (revenue, conversions): contribution = actual_i - expected_i;
- ratio metrics (CAC = spend / conversions): the total is a weighted mean of segment ratios,
  R = sum(w_i * r_i) with w_i the segment's share of the denominator, so the contribution
  w1_i * r1_i - w0_i * r_exp_i splits into a *rate effect* w1_i * (r1_i - r_exp_i) (the segment got
  dearer or cheaper) and a *mix effect* (w1_i - w0_i) * (r_exp_i - T) (more weight moved to a
  segment that is dearer than average), the standard rate/mix decomposition.

Segments are ranked as in Adtributor (Bhagwan et al., NSDI 2014): by explanatory power, the share
of the gap a segment accounts for, with *surprise* (Jensen-Shannon divergence between expected and
actual shares) reported beside it. A region × channel cell is ranked above its region and its
channel only when it carries most of what they explain (it is the concentrated cause); otherwise
the broader segment is the better explanation.
"""

from __future__ import annotations

import math
from typing import TypedDict, cast

import numpy as np
import pandas as pd
from pydantic import BaseModel

from tools.kpi import (
    STATUS_ZH,
    Coverage,
    covered_days,
    deviation_and_status,
    find_target,
    in_period,
    metric_value,
    slice_facts,
)
from tools.metrics import METRICS, Metric, get_metric
from tools.periods import Period, parse_period

DIMENSIONS = ("region", "channel", "region×channel")
CONCENTRATION = 0.6


class Driver(BaseModel):
    dimension: str
    value: str
    share_of_gap: float
    contribution: float
    rate_effect: float | None = None
    mix_effect: float | None = None
    actual: float | None
    expected: float | None
    reference: float | None
    surprise: float
    components: dict[str, dict[str, float | None]] = {}
    detail: str


class Diagnosis(BaseModel):
    metric: str
    metric_name: str
    unit: str
    period: str
    reference_period: str
    actual: float | None
    target: float | None
    deviation_pct: float | None
    status: str
    region: str | None = None
    channel: str | None = None
    components: dict[str, dict[str, float | None]] = {}  # the slice's CPC/CVR/AOV… against the reference
    drivers: list[Driver]
    narrative: str
    coverage: Coverage | None = None  # the asked period lies outside the data (`tools.kpi.coverage`)


class _Candidate(TypedDict):
    """A segment of one dimension with its share of the gap, before ranking."""

    dimension: str
    key: tuple[str, ...]  # (region,), (channel,) or (region, channel)
    label: str
    share: float
    contribution: float
    rate: float | None
    mix: float | None
    actual: float | None
    expected: float | None
    reference: float | None
    surprise: float


def _sums(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame()
    return df.pivot_table(index=keys, columns="metric", values="value", aggfunc="sum", fill_value=0.0)


def _js(p: float, q: float) -> float:
    """One element's Jensen-Shannon term, Adtributor's surprise."""
    m = (p + q) / 2
    out = 0.0
    if p > 0:
        out += 0.5 * p * math.log(p / m)
    if q > 0:
        out += 0.5 * q * math.log(q / m)
    return out


def _fmt(v: float | None, unit: str, lang: str = "zh") -> str:
    if v is None:
        return "—"
    if unit == "%":
        return f"{v:.2f}%"
    text = f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:,.2f}"
    if lang != "zh":
        return f"RMB {text}" if unit == "元" else f"{text}x" if unit == "倍" else text
    return f"{text}{unit}"


def _pct_change(new: float | None, old: float | None) -> float | None:
    if new is None or old in (None, 0):
        return None
    return round((new - old) / abs(old) * 100, 2)


def _column(sums: pd.DataFrame, key: str | None) -> pd.Series[float]:
    """A metric's column of `_sums`; zeros where the sums lack it (an empty reference period)."""
    if key is None or key not in sums.columns:
        return pd.Series(0.0, index=sums.index, dtype=float)
    return cast("pd.Series[float]", sums[key])


def _segment_frame(
    m: Metric, cur: pd.DataFrame, ref: pd.DataFrame, keys: list[str], target: float | None
) -> tuple[pd.DataFrame, float, float]:
    """Per-segment actual, expected, contribution and effects; returns (frame, actual, target used)."""
    c, r = _sums(cur, keys), _sums(ref, keys)
    idx = c.index.union(r.index)
    c, r = c.reindex(idx, fill_value=0.0), r.reindex(idx, fill_value=0.0)
    out = pd.DataFrame(index=idx)
    if not m.derived:
        a1, a0 = _column(c, m.key), _column(r, m.key)
        total1, total0 = float(a1.sum()), float(a0.sum())
        t = target if target is not None else total0
        expected = a0 * (t / total0) if total0 else a0
        out["actual"], out["expected"], out["reference"] = a1, expected, a0
        out["contribution"] = a1 - expected
        out["p"] = expected / expected.sum() if expected.sum() else 0.0
        out["q"] = a1 / total1 if total1 else 0.0
        return out, total1, t
    num1, den1 = _column(c, m.numerator), _column(c, m.denominator)
    num0, den0 = _column(r, m.numerator), _column(r, m.denominator)
    R1 = float(num1.sum()) / float(den1.sum()) * m.scale if float(den1.sum()) else float("nan")
    R0 = float(num0.sum()) / float(den0.sum()) * m.scale if float(den0.sum()) else R1
    t = target if target is not None else R0
    w1 = den1 / den1.sum() if float(den1.sum()) else den1 * 0
    w0 = den0 / den0.sum() if float(den0.sum()) else den0 * 0
    r1 = (num1 / den1.where(den1 != 0) * m.scale).fillna(R1)
    r0 = (num0 / den0.where(den0 != 0) * m.scale).fillna(R0)
    r_exp = r0 * (t / R0) if R0 else r0
    out["actual"], out["expected"], out["reference"] = r1.where(den1 != 0), r_exp, r0.where(den0 != 0)
    out["rate_effect"] = w1 * (r1 - r_exp)
    out["mix_effect"] = (w1 - w0) * (r_exp - t)
    out["contribution"] = out["rate_effect"] + out["mix_effect"]
    out["p"] = num0 / num0.sum() if float(num0.sum()) else 0.0
    out["q"] = num1 / num1.sum() if float(num1.sum()) else 0.0
    return out, R1, t


def _components(
    m: Metric, cur: pd.DataFrame, ref: pd.DataFrame, **where: str
) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for key in m.components:
        comp = METRICS[key]
        cs = slice_facts(cur, **where, metrics=comp.base_inputs).groupby("metric")["value"].sum()
        rs = slice_facts(ref, **where, metrics=comp.base_inputs).groupby("metric")["value"].sum()
        now, before = metric_value(cs, comp), metric_value(rs, comp)
        out[key] = {
            "actual": None if now is None else round(now, 4),
            "reference": None if before is None else round(before, 4),
            "change_pct": _pct_change(now, before),
        }
    return out


def _detail(m: Metric, d: _Candidate, comps: dict[str, dict[str, float | None]], lang: str) -> str:
    zh = lang == "zh"
    parts = [
        f"{d['label']}: {m.name(lang)} {_fmt(d['reference'], m.unit, lang)} → {_fmt(d['actual'], m.unit, lang)}"
        + (
            f"（预期 {_fmt(d['expected'], m.unit)}）"
            if zh
            else f" (expected {_fmt(d['expected'], m.unit, lang)})"
        )
    ]
    for key, c in comps.items():
        if c["change_pct"] is not None:
            parts.append(f"{METRICS[key].name(lang)} {c['change_pct']:+.1f}%")
    share = f"{d['share'] * 100:.0f}%"
    if d.get("rate") is not None and m.derived:
        if zh:
            parts.append(f"解释偏差的 {share}（费率效应 {d['rate']:+.2f}，结构效应 {d['mix']:+.2f}）")
        else:
            parts.append(
                f"explains {share} of the gap (rate effect {d['rate']:+.2f}, mix effect {d['mix']:+.2f})"
            )
    else:
        parts.append(f"解释偏差的 {share}" if zh else f"explains {share} of the gap")
    return "；".join(parts) if zh else "; ".join(parts)


def kpi_diagnose(
    facts: pd.DataFrame,
    targets: pd.DataFrame | None,
    *,
    metric: str,
    period: str,
    region: str | None = None,
    channel: str | None = None,
    threshold: float = 0.10,
    top: int = 5,
    lang: str = "zh",
) -> Diagnosis:
    """Decompose a KPI's gap to target over region, channel and region × channel, strongest driver
    first. Within a slice it drills down inside it: inside a region by channel, inside a channel by
    region, with the slice's components (CPC, CVR, AOV…) against the reference period. A slice
    without its own target is explained against the reference period."""
    m, p = get_metric(metric), parse_period(period)
    ref_p = reference_period(facts, p)
    where = {k: v for k, v in (("region", region), ("channel", channel)) if v}
    facts = slice_facts(facts, region=region, channel=channel) if where else facts
    rows = slice_facts(facts, metrics=m.base_inputs)
    rows = (
        rows[(rows["region"] != "") & (rows["channel"] != "")]
        if ((rows["region"] != "") & (rows["channel"] != "")).any()
        else rows
    )
    cur, ref = in_period(rows, p), in_period(rows, ref_p)
    target = find_target(targets, m, p, region=region, channel=channel, days=covered_days(facts, p))
    candidates: list[_Candidate] = []
    actual_total, t_used = None, target
    for dim in DIMENSIONS:
        keys = ["region", "channel"] if dim == "region×channel" else [dim]
        if any((cur[k] == "").all() or k in where for k in keys) or cur.empty:
            continue
        frame, actual_total, t_used = _segment_frame(m, cur, ref, keys, target)
        gap = actual_total - t_used
        for idx, row in frame.iterrows():
            # the index holds region and channel names (the stubs say Hashable)
            key = cast("tuple[str, ...]", idx if isinstance(idx, tuple) else (idx,))
            share = float(row["contribution"]) / gap if gap else 0.0
            candidates.append(
                {
                    "dimension": dim,
                    "key": key,
                    "label": "×".join(key),
                    "share": share,
                    "contribution": float(row["contribution"]),
                    "rate": float(row["rate_effect"]) if "rate_effect" in row else None,
                    "mix": float(row["mix_effect"]) if "mix_effect" in row else None,
                    "actual": None if pd.isna(row["actual"]) else float(row["actual"]),
                    "expected": None if pd.isna(row["expected"]) else float(row["expected"]),
                    "reference": None if pd.isna(row["reference"]) else float(row["reference"]),
                    "surprise": _js(float(row["p"]), float(row["q"])),
                }
            )
    if actual_total is None and not cur.empty:  # a single cell: nothing left to drill into
        actual_total = metric_value(cur.groupby("metric")["value"].sum(), m)
    deviation, status = deviation_and_status(actual_total, target, m, threshold)
    ranked = _rank(candidates, m.direction)[:top]
    drivers = []
    for d in ranked:
        cell = (
            dict(zip(["region", "channel"], d["key"], strict=False))
            if d["dimension"] == "region×channel"
            else {d["dimension"]: d["key"][0]}
        )
        comps = _components(m, in_period(facts, p), in_period(facts, ref_p), **cell)
        drivers.append(
            Driver(
                dimension=d["dimension"],
                value=d["label"],
                share_of_gap=round(d["share"], 4),
                contribution=round(d["contribution"], 4),
                rate_effect=None if d["rate"] is None else round(d["rate"], 4),
                mix_effect=None if d["mix"] is None else round(d["mix"], 4),
                actual=None if d["actual"] is None else round(d["actual"], 4),
                expected=None if d["expected"] is None else round(d["expected"], 4),
                reference=None if d["reference"] is None else round(d["reference"], 4),
                surprise=round(d["surprise"], 5),
                components=comps,
                detail=_detail(m, d, comps, lang),
            )
        )
    return Diagnosis(
        metric=m.key,
        metric_name=m.name(lang),
        unit=m.unit,
        period=p.label,
        reference_period=ref_p.label,
        actual=None if actual_total is None else round(actual_total, 4),
        target=None if target is None else round(target, 4),
        deviation_pct=deviation,
        status=status,
        region=region,
        channel=channel,
        components=_components(m, in_period(facts, p), in_period(facts, ref_p)),
        drivers=drivers,
        narrative=_narrative(m, p.label, actual_total, target, deviation, status, drivers, lang),
    )


def reference_period(facts: pd.DataFrame, p: Period) -> Period:
    """The same period a year earlier when the data covers it (it cancels seasonality), else the
    period just before."""
    year_ago = p.year_earlier()
    if not facts.empty and facts["date"].min() <= year_ago.start:
        return year_ago
    return p.previous()


def _adverse_change(c: _Candidate, direction: str) -> float:
    """A segment's own relative change against its expectation, positive when it got worse."""
    if c["actual"] is None or not c["expected"]:
        return 0.0
    rel = (c["actual"] - c["expected"]) / abs(c["expected"])
    return rel if direction == "lower" else -rel


def _rank(candidates: list[_Candidate], direction: str) -> list[_Candidate]:
    """Adverse drivers by explanatory power; a region × channel cell goes above its parents only
    when it is the concentrated cause.

    A cell is concentrated when it carries most of each parent's share (CONCENTRATION) and, if its
    own rate moved, its siblings in that parent did not move with it: a channel-wide CPC rise shows
    in every region's cell of that channel, a local one only in its own cell.
    """
    adverse = [c for c in candidates if c["share"] > 0]
    by = {(c["dimension"], c["key"]): c for c in adverse}
    cells = [c for c in candidates if c["dimension"] == "region×channel"]
    score = {id(c): c["share"] for c in adverse}
    for c in adverse:
        if c["dimension"] != "region×channel":
            continue
        change = _adverse_change(c, direction)
        concentrated = True
        for axis, parent_key in ((0, ("region", (c["key"][0],))), (1, ("channel", (c["key"][1],)))):
            parent = by.get(parent_key)
            if parent is None:
                continue
            siblings = [x for x in cells if x["key"][axis] == c["key"][axis] and x is not c]
            sibling_change = (
                float(np.mean([_adverse_change(x, direction) for x in siblings])) if siblings else 0.0
            )
            moved_together = change > 0.05 and sibling_change >= 0.5 * change
            if c["share"] < CONCENTRATION * parent["share"] or moved_together:
                concentrated = False
        parents = [
            x
            for x in (by.get(("region", (c["key"][0],))), by.get(("channel", (c["key"][1],))))
            if x is not None
        ]
        if concentrated and parents:
            score[id(c)] = max(x["share"] for x in parents) + 1e-6
    return sorted(adverse, key=lambda c: (-score[id(c)], -c["surprise"], c["label"]))


def _narrative(
    m: Metric,
    period: str,
    actual: float | None,
    target: float | None,
    deviation: float | None,
    status: str,
    drivers: list[Driver],
    lang: str,
) -> str:
    if actual is None:
        return (
            f"{period} 没有 {m.name(lang)} 的数据。"
            if lang == "zh"
            else f"No data for {m.name(lang)} in {period}."
        )
    if lang == "zh":
        head = f"{period} {m.zh}实际 {_fmt(actual, m.unit)}，目标 {_fmt(target, m.unit)}"
        head += f"，偏差 {deviation:+.1f}%（{STATUS_ZH[status]}）。" if deviation is not None else "。"
        if not drivers:
            return head + "没有找到推高偏差的区域或渠道。"
        top = drivers[0]
        dim = {"region": "区域", "channel": "渠道", "region×channel": "区域×渠道"}[top.dimension]
        return head + f"最主要的驱动因素是{dim}「{top.value}」，解释了偏差的 {top.share_of_gap * 100:.0f}%。"
    head = f"In {period}, {m.en} was {_fmt(actual, m.unit)} against a target of {_fmt(target, m.unit)}"
    head += (
        f", a deviation of {deviation:+.1f}% ({status.replace('_', ' ')}). "
        if deviation is not None
        else ". "
    )
    if not drivers:
        return head + "No region or channel drives the gap."
    top = drivers[0]
    return (
        head
        + f"The main driver is {top.dimension} '{top.value}', explaining {top.share_of_gap * 100:.0f}% of the gap."
    )
