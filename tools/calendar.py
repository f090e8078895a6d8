"""The promotion calendar: the trade's shopping festivals, and 春节 on its lunar date.

Fixed-date festivals (618, 双十一, 双十二) are month and day; 春节 moves by up to four weeks
between years, so its date comes from the `holidays` library's lunar calendar, never a table typed
by hand. A week "has" an event when the event's day falls in that Monday-to-Sunday week, which is
how a weekly series is aligned by event rather than by week number: the 春节 week of 2027 is
compared with the 春节 week of 2026, not with the week eleven days later.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
import pandas as pd

FIXED = {"618": (6, 18), "双十一": (11, 11), "双十二": (12, 12)}
LUNAR_NEW_YEAR = "春节"
EVENTS = (*FIXED, LUNAR_NEW_YEAR)


@lru_cache(maxsize=512)
def event_days(year: int) -> dict[str, date]:
    """Each event's day in `year`."""
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


def week_events(monday: pd.Timestamp) -> tuple[str, ...]:
    """The events whose day falls in the week starting `monday`."""
    start = week_start(monday)
    end = start + pd.Timedelta(days=6)
    found = []
    for year in {start.year, end.year}:
        for name, day in event_days(year).items():
            if start <= pd.Timestamp(day) <= end:
                found.append(name)
    return tuple(sorted(found))


def same_week_last_year(monday: pd.Timestamp) -> pd.Timestamp:
    """The week a year earlier that plays the same part: the same event's week when `monday`'s week
    has an event, else the week 52 weeks earlier."""
    for name in week_events(monday):
        day = event_days(week_start(monday).year - 1).get(name)
        if day is not None:
            return week_start(day)
    return week_start(monday) - pd.Timedelta(weeks=52)


def events_between(start: date, end: date) -> list[tuple[str, date]]:
    """The events from `start` to `end` (inclusive), in date order."""
    out = []
    for year in range(start.year, end.year + 1):
        out += [(n, d) for n, d in event_days(year).items() if start <= d <= end]
    return sorted(out, key=lambda e: e[1])
