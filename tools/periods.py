"""Planning periods: a year `2026`, a quarter `2026-Q3`, a month `2026-09`, or a week `2026-W37`."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from tools.errors import InvalidArgument

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.I)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)


@dataclass(frozen=True)
class Period:
    label: str
    kind: str  # year | quarter | month | week
    start: pd.Timestamp
    end: pd.Timestamp  # inclusive

    @property
    def days(self) -> int:
        return int((self.end - self.start).days) + 1

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return parse_period(_shift(self, -1))

    def next(self) -> Period:
        """The period of the same kind just after this one."""
        return parse_period(_shift(self, 1))

    def year_earlier(self) -> Period:
        if self.kind == "week":
            return parse_period(_shift(self, -52))
        return parse_period(self.label.replace(str(self.start.year), str(self.start.year - 1), 1))

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end


def _shift(p: Period, n: int) -> str:
    if p.kind == "year":
        return str(p.start.year + n)
    if p.kind == "quarter":
        q = (p.start.year * 4 + (p.start.month - 1) // 3) + n
        return f"{q // 4}-Q{q % 4 + 1}"
    if p.kind == "month":
        m = p.start.year * 12 + p.start.month - 1 + n
        return f"{m // 12}-{m % 12 + 1:02d}"
    start = p.start + pd.Timedelta(weeks=n)
    iso = start.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


YEARS = range(1900, 2201)  # planning years; pandas dates end in 2262 and year 0 does not exist


def parse_period(label: str) -> Period:
    """A period label as a Period; an impossible one (year 0, month 13, week 54) is InvalidArgument."""
    s = str(label).strip()
    if (m := re.match(r"\d+", s)) and int(m[0]) not in YEARS:
        raise InvalidArgument(
            f"invalid period {label!r}: the year must be between {YEARS.start} and {YEARS.stop - 1}"
        )
    try:
        return _parse(s, label)
    except ValueError as e:  # a week the year does not have
        raise InvalidArgument(f"invalid period {label!r}: {e}") from None


def _parse(s: str, label: str) -> Period:
    if m := _YEAR.match(s):
        y = int(m[1])
        return Period(s, "year", pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31))
    if m := _QUARTER.match(s):
        y, q = int(m[1]), int(m[2])
        start = pd.Timestamp(y, 3 * q - 2, 1)
        return Period(f"{y}-Q{q}", "quarter", start, start + pd.offsets.QuarterEnd(0))
    if m := _MONTH.match(s):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise InvalidArgument(f"invalid month in period {label!r}")
        start = pd.Timestamp(y, mo, 1)
        return Period(f"{y}-{mo:02d}", "month", start, start + pd.offsets.MonthEnd(0))
    if m := _WEEK.match(s):
        y, w = int(m[1]), int(m[2])
        start = pd.Timestamp.fromisocalendar(y, w, 1)
        return Period(f"{y}-W{w:02d}", "week", start, start + pd.Timedelta(days=6))
    raise InvalidArgument(f"invalid period {label!r}: use 2026, 2026-Q3, 2026-09 or 2026-W37")


def quarter_of(day: pd.Timestamp) -> Period:
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def month_of(day: pd.Timestamp) -> Period:
    return parse_period(f"{day.year}-{day.month:02d}")


@dataclass(frozen=True)
class DataWindow:
    """What a data set covers, the one place that decides which month or quarter is "latest".

    Facts are dated by the start of the period they measure (a weekly row on Monday covers that
    Monday to Sunday). A month or quarter is *complete* when the data reaches its last day, so a
    question about "last quarter" never compares eight weeks with a thirteen-week target.
    """

    first: pd.Timestamp
    last: pd.Timestamp  # the date of the latest row
    covered_until: pd.Timestamp  # the last day the latest row measures
    frequency: str  # D, W, M or Q

    @property
    def latest_month(self) -> Period:
        """The latest complete month (the month of the latest row when none is complete yet)."""
        return _latest_complete(month_of(self.covered_until), self.covered_until, self.first)

    @property
    def latest_quarter(self) -> Period:
        """The latest complete quarter (the quarter of the latest row when none is complete yet)."""
        return _latest_complete(quarter_of(self.covered_until), self.covered_until, self.first)

    @property
    def latest_year(self) -> Period:
        return _latest_complete(parse_period(str(self.covered_until.year)), self.covered_until, self.first)

    def as_dict(self) -> dict[str, str]:
        return {
            "first": self.first.date().isoformat(),
            "last": self.last.date().isoformat(),
            "covered_until": self.covered_until.date().isoformat(),
            "frequency": self.frequency,
            "latest_month": self.latest_month.label,
            "latest_quarter": self.latest_quarter.label,
        }


def _latest_complete(candidate: Period, covered_until: pd.Timestamp, first: pd.Timestamp) -> Period:
    if candidate.end <= covered_until:
        return candidate
    previous = candidate.previous()
    return previous if previous.end >= first else candidate


_STEP = {"D": pd.DateOffset(days=1), "W": pd.DateOffset(weeks=1), "M": pd.DateOffset(months=1)}


def data_window(dates: pd.Series | pd.DatetimeIndex) -> DataWindow | None:
    """The window of a set of fact dates; None when there are none."""
    days = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates).dropna().unique())).sort_values()
    if days.empty:
        return None
    gap = float(pd.Series(days).diff().dt.days.median()) if len(days) > 1 else 7.0
    frequency = "D" if gap < 4 else "W" if gap < 10 else "M" if gap < 45 else "Q"
    step = _STEP.get(frequency, pd.DateOffset(months=3))
    return DataWindow(
        first=days[0],
        last=days[-1],
        covered_until=days[-1] + step - pd.Timedelta(days=1),
        frequency=frequency,
    )
