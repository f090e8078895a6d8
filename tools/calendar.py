"""The promotion calendar: the trade's shopping festivals, 春节 on its lunar date, and a
workspace's own campaigns.

Fixed-date festivals (618, 双十一, 双十二) are month and day; 春节 moves by up to four weeks
between years, so its date comes from the `holidays` library's lunar calendar, never a table typed
by hand, and 年货节 (the New-Year shopping weeks) is the three weeks before it. A workspace adds
its own events (`PromoEvent`: a name and a date range, one row per year it ran).

A week "has" an event when the event's day falls in that Monday-to-Sunday week. Weeks near an
event are aligned with last year by their distance to it, not by week number: the 春节 week of
2027 is compared with the 春节 week of 2026, and the week after it with the week after that, not
with the weeks eleven days later. That alignment is what the forecasts, the season-aware alerts
and the marketing-mix model use as "the same week last year".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

FIXED = {"618": (6, 18), "双十一": (11, 11), "双十二": (12, 12)}
LUNAR_NEW_YEAR = "春节"
NEW_YEAR_SHOPPING = "年货节"
EVENTS = (*FIXED, LUNAR_NEW_YEAR)
# How many weeks before and after an event's week are aligned by their distance to it: the
# festivals' warm-up and tail (618 and 双十一 presales start two weeks ahead), 年货节 before 春节
# and the holiday slump after it.
WINDOWS = {"618": (2, 1), "双十一": (2, 1), "双十二": (1, 1), LUNAR_NEW_YEAR: (3, 2)}


class PromoEvent(BaseModel):
    """One run of a workspace's own event: 品牌日 2026-08-07 to 2026-08-09. An event that recurs
    is one row per year under the same name; its weeks are aligned with the previous year's run."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=40)
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> PromoEvent:
        if self.end < self.start:
            raise ValueError(f"{self.name}: the end ({self.end}) is before the start ({self.start})")
        if (self.end - self.start).days > 92:
            raise ValueError(
                f"{self.name}: an event lasts at most three months, got {self.start}..{self.end}"
            )
        return self


@lru_cache(maxsize=512)
def event_days(year: int) -> dict[str, date]:
    """Each shipped event's day in `year`."""
    out = {name: date(year, m, d) for name, (m, d) in FIXED.items()}
    china = holidays.China(years=year, language="en_US")  # type: ignore[attr-defined, unused-ignore]
    spring = sorted(d for d, n in china.items() if "Spring Festival" in n and "observed" not in n)
    if spring:
        out[LUNAR_NEW_YEAR] = spring[0]
    return out


def week_start(day: date | pd.Timestamp) -> pd.Timestamp:
    """The Monday of the week `day` falls in."""
    ts = pd.Timestamp(day).normalize()
    return ts - pd.Timedelta(days=ts.weekday())


@dataclass(frozen=True)
class _Run:
    """One occurrence of an event: its name, first and last week."""

    name: str
    first: pd.Timestamp
    last: pd.Timestamp
    before: int
    after: int
    day: pd.Timestamp  # the event's day (a workspace event: its first day)


def _runs(years: Iterable[int], own: Sequence[PromoEvent]) -> list[_Run]:
    out = []
    for year in years:
        for name, day in event_days(year).items():
            before, after = WINDOWS.get(name, (0, 0))
            out.append(_Run(name, week_start(day), week_start(day), before, after, pd.Timestamp(day)))
    for e in own:
        out.append(_Run(e.name, week_start(e.start), week_start(e.end), 1, 1, pd.Timestamp(e.start)))
    return out


def _previous(run: _Run, runs: list[_Run]) -> _Run | None:
    """The same event's run about a year earlier."""
    earlier = [r for r in runs if r.name == run.name and 300 <= (run.first - r.first).days <= 430]
    return max(earlier, key=lambda r: r.first) if earlier else None


def _nearest(monday: pd.Timestamp, runs: list[_Run]) -> tuple[_Run, int] | None:
    """The event run whose window holds `monday`, nearest first, with the week's offset from the
    run's first week."""
    best: tuple[int, int, _Run, int] | None = None
    for r in runs:
        offset = (monday - r.first).days // 7
        span = (r.last - r.first).days // 7
        if -r.before <= offset <= span + r.after:
            distance = 0 if 0 <= offset <= span else min(abs(offset), abs(offset - span))
            custom = 0 if r.name not in WINDOWS else 1  # the workspace's own event first on a tie
            key = (distance, custom, r, offset)
            if best is None or key[:2] < best[:2]:
                best = key
    return (best[2], best[3]) if best else None


def week_events(monday: pd.Timestamp, own: Sequence[PromoEvent] = ()) -> tuple[str, ...]:
    """The events whose day (or, for a workspace's event, whose run) falls in the week starting
    `monday`."""
    start = week_start(monday)
    end = start + pd.Timedelta(days=6)
    found = set()
    for year in {start.year, end.year}:
        for name, day in event_days(year).items():
            if start <= pd.Timestamp(day) <= end:
                found.add(name)
    for e in own:
        if pd.Timestamp(e.start) <= end and pd.Timestamp(e.end) >= start:
            found.add(e.name)
    spring = event_days(start.year + (1 if start.month >= 12 else 0)).get(LUNAR_NEW_YEAR)
    if spring and 1 <= (week_start(spring) - start).days // 7 <= 3:
        found.add(NEW_YEAR_SHOPPING)
    return tuple(sorted(found))


def event_role(monday: pd.Timestamp, own: Sequence[PromoEvent] = ()) -> tuple[str, int] | None:
    """The event a week belongs to and its distance in weeks from the event's week (−2: two
    weeks before 双十一's week), or None for an ordinary week."""
    start = week_start(monday)
    found = _nearest(start, _runs(range(start.year - 1, start.year + 2), own))
    return (found[0].name, found[1]) if found else None


def same_week_last_year(monday: pd.Timestamp, own: Sequence[PromoEvent] = ()) -> pd.Timestamp:
    """The week a year earlier that plays the same part: for a week near an event, the week at the
    same distance from last year's run of it; else the week 52 weeks earlier."""
    return same_days_last_year(monday, own)[0]


def same_days_last_year(monday: pd.Timestamp, own: Sequence[PromoEvent] = ()) -> tuple[pd.Timestamp, int]:
    """`same_week_last_year`, and how many days before that week the same seven days a year
    earlier start (−6..6). A year is not a whole number of weeks: 双十一 fell on a Tuesday in 2025
    and falls on a Wednesday in 2026, so the days at the same distance from it start a day before
    the aligned week; a forecast blends in that much of the week before (`tools.weekly`)."""
    start = week_start(monday)
    runs = _runs(range(start.year - 2, start.year + 2), own)
    found = _nearest(start, runs)
    if found is not None:
        run, offset = found
        prev = _previous(run, runs)
        if prev is not None:
            shift = (run.day - run.first).days - (prev.day - prev.first).days
            return prev.first + pd.Timedelta(weeks=offset), shift
    back = start - pd.Timedelta(weeks=52)
    shift = (back - (start - pd.DateOffset(years=1))).days
    held = _nearest(back, runs)
    if held is not None:  # an ordinary week, whose week last year was an event's: use the nearest
        run, _ = held  # ordinary week beside that event's window instead
        span = (run.last - run.first).days // 7
        before = run.first - pd.Timedelta(weeks=run.before + 1)
        after = run.first + pd.Timedelta(weeks=span + run.after + 1)
        back = min((before, after), key=lambda w: abs((w - back).days))
        if _nearest(back, runs) is None:
            return back, 0
        return start - pd.Timedelta(weeks=52), shift
    return back, shift


def events_between(start: date, end: date, own: Sequence[PromoEvent] = ()) -> list[tuple[str, date]]:
    """The events from `start` to `end` (inclusive), in date order: 年货节 dated by the Monday its
    three weeks start on, a workspace's campaign by its first day."""
    out = []
    for year in range(start.year, end.year + 2):
        days = event_days(year)
        spring = days.get(LUNAR_NEW_YEAR)
        if spring is not None:
            days = {**days, NEW_YEAR_SHOPPING: (week_start(spring) - pd.Timedelta(weeks=3)).date()}
        out += [(n, d) for n, d in days.items() if start <= d <= end]
    out += [(e.name, e.start) for e in own if start <= e.start <= end]
    return sorted(out, key=lambda e: e[1])


def spring_festivals_covered(first: date, last: date) -> int:
    """How many 春节 weeks, with the weeks either side that the alignment uses, the history from
    `first` to `last` holds whole."""
    n = 0
    for year in range(first.year, last.year + 1):
        day = event_days(year).get(LUNAR_NEW_YEAR)
        if day and first <= day - timedelta(weeks=3) and day + timedelta(weeks=2) <= last:
            n += 1
    return n
