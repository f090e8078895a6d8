"""Blind, held-out synthetic worlds for scoring the forecaster against known truth.

Each seed builds one invented Chinese consumer company: 2-5 regions and 3-5 sales channels with their
own names, a revenue scale that differs by orders of magnitude between worlds, and weekly (Monday) long
facts for the additive metrics revenue, spend and conversions. ``facts`` holds the history
(``date <= history_end``) followed by ``truth_weeks`` weeks of truth.

What is inside: a trend per region x channel that may slow down mid-history, a step change in one region,
in some worlds a channel whose growth turns negative in the last ~6 months of history (and stays so);
smooth yearly seasonality; promotion-calendar effects shaped in days around the event date and then
averaged into weeks (618 and 双十一 with pre-sale warm-up and a post-event dip, a smaller 双十二, 春节 on
its lunar date with a 年货节 rise and a holiday slump that differ by channel and region); the company's own
campaign (``events``, one run per year on a different date, 3-10 days); regions that differ strongly in
how promotional they are; multiplicative lognormal AR(1) noise of 3-12% by world; and a few one-off
outlier weeks in the history only. History is 76-170 weeks and ends 1-3 weeks before 双十一, 618 or 春节,
so the truth window covers that event.

Seeds 400-405 (``SEEDS_SCORED_ONCE``) are to be scored once, on the first run, and then retired; seeds
406-419 (``SEEDS_SPARE``) are kept for later rounds. Rows are generated in date order from one
``numpy`` Generator, so the history never depends on how much truth is generated.
"""

import datetime as dt
from dataclasses import dataclass

import holidays
import numpy as np
import pandas as pd

SEEDS_SCORED_ONCE = tuple(range(400, 406))  # first run of the weekly forecaster (issue 32); retired
SEEDS_SECOND = tuple(range(406, 412))  # first run of the interval calibration (issue 32); retired
SEEDS_SPARE = tuple(range(412, 420))  # never scored yet: for the next change
METRICS = ("revenue", "spend", "conversions")

# region -> how hard 春节 hits it (migrant destinations empty out, home provinces less so)
REGIONS = {"长三角": 1.5, "珠三角": 1.6, "京津冀": 1.4, "成渝": 0.6, "东北": 0.9, "中原": 0.7, "西北": 0.8}
REGIONS |= {"闽南": 1.0, "云贵": 0.6, "山东": 0.9, "湖湘": 0.7, "广西": 0.8, "胶东": 1.0, "皖北": 0.5}
# channel kind -> response to (618, 双十一, 双十二, 年货节 rise, 春节 slump, own campaign)
KINDS = {
    "ecom": (1.0, 1.0, 1.0, 0.35, 0.5, 1.0),
    "live": (1.3, 1.4, 0.9, 0.3, 0.55, 1.2),
    "content": (0.5, 0.6, 0.4, 0.2, 0.3, 0.6),
    "private": (0.4, 0.5, 0.3, 0.4, 0.3, 0.9),
    "instant": (0.3, 0.3, 0.2, 0.9, 0.4, 0.4),
    "offline": (0.05, 0.06, 0.05, 0.7, 0.3, 0.2),
}
ONLINE = {"天猫旗舰店": "ecom", "京东自营": "ecom", "拼多多": "ecom", "抖音直播": "live", "快手直播": "live"}
OTHER = {"小红书种草": "content", "微信小程序": "private", "即时零售": "instant", "美团闪购": "instant"}
OTHER |= {"便利店": "offline", "商超": "offline", "线下门店": "offline"}
CAMPAIGNS = ("超级品牌日", "会员日", "周年庆", "宠粉节", "品牌欢聚日")


@dataclass(frozen=True)
class World:
    name: str
    facts: pd.DataFrame
    history_end: pd.Timestamp
    events: tuple[tuple[str, str, str], ...]
    truth_weeks: int


def spring_festival(year: int) -> dt.date:
    cal = holidays.China(years=year, language="en_US")
    return min(d for d, n in cal.items() if "Spring Festival" in n and "observed" not in n.lower())


def calendar(years) -> list[tuple[str, dt.date]]:
    out = []
    for y in years:
        out += [("春节", spring_festival(y)), ("618", dt.date(y, 6, 18))]
        out += [("双十一", dt.date(y, 11, 11)), ("双十二", dt.date(y, 12, 12))]
    return out


def _promo(o, warm, peak, dip, depth, warm_lvl, wave=0.0):
    """Daily lift around a shopping festival, o = days relative to the event date."""
    s = np.where((o >= -warm) & (o <= -peak), warm_lvl * (o + warm + 1) / (warm - peak + 1), 0.0)
    s = np.where((o > -peak) & (o <= 0), np.where(o == 0, 1.8, 1.0), s)
    s = s + np.where((o >= -11) & (o <= -9), wave, 0.0)  # first payment wave of a two-stage pre-sale
    return s - np.where((o >= 1) & (o <= dip), depth * (1 - (o - 1) / dip), 0.0)


def _cny(o, pre_peak, hol_before, hol_after):
    """(年货节 rise, holiday slump) unit shapes around the lunar new year."""
    pre = np.clip(1 - np.abs(o + pre_peak) / np.where(o < -pre_peak, 26 - pre_peak, pre_peak - 3), 0, None)
    pre = np.where((o >= -26) & (o <= -3), pre, 0.0)
    hol = np.where((o >= -hol_before) & (o <= hol_after), -1.0, 0.0)
    rec = (o > hol_after) & (o <= hol_after + 10)
    return pre, np.where(rec, -(1 - (o - hol_after) / 10), hol)


def make_world(seed: int) -> World:
    rng = np.random.default_rng(seed)
    target = ("双十一", "618", "春节")[seed % 3]
    year = int(rng.choice([2024, 2025])) + (target == "春节")
    ev_date = {"双十一": dt.date(year, 11, 11), "618": dt.date(year, 6, 18)}.get(target)
    ev = pd.Timestamp(ev_date or spring_festival(year))
    history_end = ev - pd.Timedelta(days=ev.weekday()) - pd.Timedelta(weeks=int(rng.integers(1, 4)))
    n_hist, truth_weeks = int(rng.integers(76, 171)), int(rng.integers(10, 17))
    dates = pd.date_range(
        history_end - pd.Timedelta(weeks=n_hist - 1), periods=n_hist + truth_weeks, freq="7D"
    )
    n = len(dates)

    regions = [str(x) for x in rng.choice(list(REGIONS), int(rng.integers(2, 6)), replace=False)]
    n_ch = int(rng.integers(3, 6))
    first = str(rng.choice(list(ONLINE)))
    rest = [c for c in {**ONLINE, **OTHER} if c != first]
    channels = [first] + [str(x) for x in rng.choice(rest, n_ch - 1, replace=False)]
    kinds = [{**ONLINE, **OTHER}[c] for c in channels]
    R, C = len(regions), len(channels)

    # --- promotion calendar, built per day then averaged into weeks -------------------------------------
    years = range(year - 4, year + 2)
    p618 = (*rng.integers([10, 2, 5], [21, 5, 13]), rng.uniform(0.1, 0.35), rng.uniform(0.1, 0.4))
    p1111 = (*rng.integers([14, 2, 6], [26, 5, 15]), rng.uniform(0.1, 0.4), rng.uniform(0.1, 0.35))
    wave = rng.uniform(0.3, 0.8)
    p1212 = (*rng.integers([3, 1, 3], [7, 4, 7]), rng.uniform(0.05, 0.15), rng.uniform(0.1, 0.2))
    pcny = rng.integers([7, 1, 5], [13, 4, 11])
    camp = str(rng.choice(CAMPAIGNS))
    anchor = int(rng.choice(np.r_[75:141, 195:291]))
    jitter, dur = rng.permutation(np.arange(-20, 21))[: len(years)], rng.integers(3, 11, len(years))
    runs = {
        y: dt.date(y, 1, 1) + dt.timedelta(days=anchor + int(j)) for y, j in zip(years, jitter, strict=True)
    }
    if rng.random() < 0.5:  # put this year's run inside the truth window
        d = (ev + pd.Timedelta(days=int(rng.integers(21, 7 * truth_weeks - 10)))).date()
        runs[d.year] = d
    runs = {y: (d, d + dt.timedelta(days=int(k) - 1)) for (y, d), k in zip(runs.items(), dur, strict=True)}

    days = dates.values.astype("datetime64[D]")[:, None] + np.arange(7)
    shapes = np.zeros((6, n, 7))
    for y in years:
        off = {k: (days - np.datetime64(d, "D")).astype(int) for k, d in calendar([y])}
        shapes[0] += _promo(off["618"], *p618)
        shapes[1] += _promo(off["双十一"], *p1111, wave=wave)
        shapes[2] += _promo(off["双十二"], *p1212)
        pre, hol = _cny(off["春节"], *pcny)
        shapes[3] += pre
        shapes[4] += hol
        o = (days - np.datetime64(runs[y][0], "D")).astype(int)
        k = (runs[y][1] - runs[y][0]).days + 1
        shapes[5] += np.where((o >= 0) & (o < k), 1.0, 0.0) + np.where((o >= -3) & (o < 0), 0.2, 0.0)
        shapes[5] -= np.where((o >= k) & (o < k + 5), 0.15, 0.0)
    weekly = shapes.mean(axis=2)  # (6, n)

    amps = np.array([rng.uniform(0.8, 2.5), rng.uniform(1.2, 3.5), 0.0, rng.uniform(0.15, 0.6)])
    amps = np.r_[amps, rng.uniform(0.3, 0.75), rng.uniform(0.3, 1.2)]
    amps[2] = amps[1] * rng.uniform(0.1, 0.3)
    promo = rng.permutation(np.geomspace(rng.uniform(0.3, 0.6), rng.uniform(1.4, 2.0), R))
    cny_r = np.array([REGIONS[r] for r in regions]) * rng.lognormal(0, 0.15, R)
    reg_fac = np.stack([promo, promo, promo, np.sqrt(promo), cny_r, promo], axis=1)  # (R, 6)
    ch_fac = np.array([KINDS[k] for k in kinds]) * rng.lognormal(0, 0.2, (C, 6))  # (C, 6)
    resp = amps * reg_fac[:, None, :] * ch_fac[None, :, :]  # (R, C, 6)
    lift = np.einsum("rck,kt->trc", resp, weekly)
    mult = np.maximum(1 + lift, 0.08)
    spend_mult = np.maximum(1 + rng.uniform(0.5, 1.1, C) * lift, 0.1)
    aov_mult = 1 / (1 + rng.uniform(0.03, 0.12, C) * np.maximum(lift, 0))

    # --- trend, breaks and seasonality -----------------------------------------------------------------
    t = np.arange(n)
    g = rng.uniform(0.03, 0.3) + rng.normal(0, 0.1, C)[None, :] + rng.normal(0, 0.05, R)[:, None]
    slow_on, cp, slow = rng.random() < 0.6, int(rng.uniform(0.35, 0.8) * n_hist), rng.uniform(0.1, 0.6)
    slope = g[None] * np.where((t >= cp) & slow_on, slow, 1.0)[:, None, None]
    decline_on = seed % 3 == 1 or rng.random() < 0.35
    dec_c, dec_t = int(rng.integers(C)), n_hist - 26 + int(rng.integers(-3, 4))
    dec_slope = -rng.uniform(0.3, 0.8)
    if decline_on:
        slope[:, :, dec_c] = np.where(t[:, None] >= dec_t, dec_slope, np.maximum(slope[:, :, dec_c], 0.08))
    trend = (np.cumsum(slope, axis=0) - slope[0]) / 52
    step_on = rng.random() < 0.6 or not slow_on
    step_r, step_t = int(rng.integers(R)), int(rng.uniform(0.3, 0.8) * n_hist)
    step = rng.choice([-1, 1]) * rng.uniform(0.15, 0.45)
    if step_on:
        trend[step_t:, step_r, :] += step
    phase = 2 * np.pi * (dates + pd.Timedelta(days=3)).day_of_year.values / 365.25
    a1, a2, f1, f2 = rng.uniform(0.03, 0.15), rng.uniform(0, 0.06), *rng.uniform(0, 2 * np.pi, 2)
    cs, cf = rng.uniform(0.5, 1.5, C), rng.normal(0, 0.3, C)
    season = a1 * cs * np.sin(phase[:, None] + f1 + cf) + a2 * np.sin(2 * phase[:, None] + f2)  # (n, C)

    scale = 10 ** rng.uniform(5, 8.5)
    rev0 = scale * np.outer(rng.dirichlet(np.full(R, 2.0)), rng.dirichlet(np.full(C, 1.5)))
    rev0 *= rng.lognormal(0, 0.3, (R, C))
    aov = 10 ** rng.uniform(1.5, 3) * rng.lognormal(0, 0.35, C)[None, :] * rng.lognormal(0, 0.1, R)[:, None]
    spend0 = rev0 / rng.uniform(1.5, 8, C)
    rho, sig, p_out = rng.uniform(0, 0.5), rng.uniform(0.03, 0.12), rng.uniform(0.02, 0.04)

    # --- weekly rows, in date order --------------------------------------------------------------------
    e, vals = np.zeros((R, C, 3)), np.empty((n, R, C, 3))
    for i in range(n):
        z, zc = rng.normal(size=(R, C, 3)), rng.normal(size=3)
        u, pick, which, sign, mag = (
            rng.random(),
            rng.integers(R * C),
            rng.integers(3),
            rng.random(),
            rng.random(),
        )
        e = rho * e + np.sqrt(1 - rho**2) * (0.8 * z + 0.6 * zc)
        noise = np.exp(sig * e * np.array([1.0, 0.7, 0.4]))  # conversions, spend, aov
        base = np.exp(trend[i] + season[i][None, :])
        conv = rev0 / aov * base * mult[i] * noise[..., 0]
        rev = conv * aov * aov_mult[i] * noise[..., 2]
        spend = spend0 * np.exp(trend[i] + 0.5 * season[i][None, :]) * spend_mult[i] * noise[..., 1]
        vals[i] = np.stack([rev, spend, conv], axis=-1)
        if dates[i] <= history_end and u < p_out:  # one-off outlier week in one series
            f = np.exp((1 if sign < 0.6 else -1) * (0.5 + 0.7 * mag))
            r, c = divmod(int(pick), C)
            vals[i, r, c, [[0, 2], [1], [0, 1, 2]][int(which)]] *= f

    idx = pd.MultiIndex.from_product(
        [dates, regions, channels, METRICS], names=["date", "region", "channel", "metric"]
    )
    facts = pd.DataFrame({"value": vals.reshape(-1).astype(float)}, index=idx).reset_index()
    last = dates[-1] + pd.Timedelta(days=6)
    events = tuple(
        (camp, a.isoformat(), b.isoformat())
        for a, b in sorted(runs.values())
        if pd.Timestamp(b) >= dates[0] and pd.Timestamp(a) <= last
    )
    return World(f"blind-{seed}", facts, history_end, events, truth_weeks)


def truth_window_events(w: World) -> list[str]:
    lo, hi = w.history_end + pd.Timedelta(days=7), w.facts["date"].max() + pd.Timedelta(days=6)
    years = range(lo.year, hi.year + 1)
    out = [f"{k} {d}" for k, d in sorted(calendar(years), key=lambda x: x[1]) if lo <= pd.Timestamp(d) <= hi]
    return out + [f"{n} {a}..{b}" for n, a, b in w.events if pd.Timestamp(b) >= lo and pd.Timestamp(a) <= hi]


if __name__ == "__main__":
    for s in SEEDS_SCORED_ONCE + SEEDS_SPARE:
        w = make_world(s)
        f = w.facts
        n_hist = f.loc[f["date"] <= w.history_end, "date"].nunique()
        print(
            f"{w.name}: regions={list(f['region'].unique())} channels={list(f['channel'].unique())} "
            f"history_weeks={n_hist} history_end={w.history_end.date()} truth_weeks={w.truth_weeks} "
            f"truth_events={truth_window_events(w)}"
        )
