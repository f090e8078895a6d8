"""Seasonality a quarter's plan should reflect: how last year's same quarter split by month.

Each month's share is taken on a calendar basis (its daily rate over the days its weeks covered,
times its calendar days), so a five-week month does not look like a peak. Months of the trade's
shopping festivals are named.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel

from tools.kpi import actual_value, covered_days
from tools.metrics import get_metric
from tools.periods import Period, parse_period

FESTIVALS = {6: "618", 11: "双十一", 12: "双十二"}  # the trade's calendar, not one company's


class MonthShare(BaseModel):
    month: str
    share: float  # of the quarter, on calendar days
    festival: str | None = None


def month_shares(
    facts: pd.DataFrame, quarter: Period, *, metric: str = "revenue", region: str | None = None
) -> list[MonthShare]:
    """The quarter's months with their calendar-day shares of `metric`; empty without data."""
    m = get_metric(metric)
    rates = {}
    for i in range(3):
        month = parse_period(f"{quarter.start.year}-{quarter.start.month + i:02d}")
        value, days = actual_value(facts, m, month, region=region), covered_days(facts, month)
        if value is None or not days:
            return []
        rates[month] = value / days * month.days
    total = sum(rates.values()) or 1.0
    return [
        MonthShare(month=p.label, share=round(v / total, 4), festival=FESTIVALS.get(p.start.month))
        for p, v in rates.items()
    ]


class MonthAmount(BaseModel):
    month: str  # a month of the plan quarter
    share: float
    amount: float
    festival: str | None = None


def split_by_month(total: float, quarter: Period, shares: list[MonthShare]) -> list[MonthAmount]:
    """A quarter's money by month in the shares its months had a year earlier, so the festival
    month gets the weight its sales had; an even split without a year of history. The amounts add
    up to `total` exactly."""
    weights = [s.share for s in shares] if len(shares) == 3 else [1 / 3] * 3
    whole = sum(weights) or 1.0
    out, left = [], round(total, 2)
    for i, w in enumerate(weights):
        month = parse_period(f"{quarter.start.year}-{quarter.start.month + i:02d}")
        amount = left if i == 2 else round(total * w / whole, 2)
        left = round(left - amount, 2)
        out.append(
            MonthAmount(
                month=month.label,
                share=round(w / whole, 4),
                amount=amount,
                festival=FESTIVALS.get(month.start.month),
            )
        )
    return out
