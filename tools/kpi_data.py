"""Reading and validating KPI facts and targets.

Facts are long-form rows `date, region, channel, metric, value`; targets are
`period, metric, target, region, channel`. Region and channel may be blank for totals. A bad file
is rejected whole with every problem named by row (as a spreadsheet numbers it: the header is row 1)
and column.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pandas as pd

from tools.errors import DataError
from tools.layouts import metric_key, parse_dates, parse_numbers, period_label, problem
from tools.metrics import METRICS
from tools.periods import DataWindow, data_window

FACT_COLUMNS = ["date", "region", "channel", "metric", "value"]
TARGET_COLUMNS = ["period", "metric", "target", "region", "channel"]
MAX_REPORTED = 20  # problems named in the message
MAX_KEPT = 200  # problems listed for the page
MAX_LABEL = 64  # characters in a region, channel or metric name
MAX_VALUE = 1e15  # no marketing figure is larger; inf and 1e308 are refused


def read_table(path: str | Path) -> pd.DataFrame:
    """A facts or targets file (CSV in UTF-8 or GBK, or XLSX), within the upload limits."""
    from tools.files import read_table_bytes

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    return read_table_bytes(path.read_bytes(), path.name)[0]


def _check_columns(df: pd.DataFrame, required: list[str], optional: set[str], what: str) -> pd.DataFrame:
    df = df.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in required if c not in df.columns and c not in optional]
    if missing:
        raise DataError(
            f"{what}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}",
            problems=[problem("missing_column", f"missing column {c}", field=c) for c in missing],
        )
    for c in optional:
        if c not in df.columns:
            df[c] = ""
    return df


class _Problems:
    """Problems found column by column, each rule vectorised, reported by row and column."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.rows = df["_row"] if "_row" in df.columns else pd.Series(range(2, len(df) + 2), index=df.index)
        self.value_columns = df["_column"] if "_column" in df.columns else None
        self.cells = df["_raw"] if "_raw" in df.columns else None  # a value as the sheet wrote it
        self.items: list[dict[str, object]] = []

    def add(
        self,
        mask: pd.Series,
        code: str,
        column: str,
        explain: Callable[[object], str],
        values: pd.Series | None = None,
    ) -> None:
        for i in mask.index[mask.to_numpy()][:MAX_KEPT]:
            col = (
                str(self.value_columns[i])
                if column in ("value", "target") and self.value_columns is not None
                else column
            )
            value = None if values is None else values[i]
            if column in ("value", "target") and self.cells is not None:
                value = self.cells[i]
            row = int(self.rows[i])
            self.items.append(
                problem(
                    code,
                    f"row {row}, column {col}: {explain(value)}",
                    row=row,
                    column=col,
                    value=_short(value),
                )
            )

    def duplicates(self, df: pd.DataFrame, keys: list[str], what: str) -> None:
        """Rows with the same key, named at the repeat (the row a planner appended or pasted
        again), once per set of sheet rows: a wide row repeated holds one key per metric."""
        dup = df.duplicated(subset=keys, keep=False)
        if not dup.any():
            return
        groups = df[dup].assign(_r=self.rows[dup]).groupby(keys, sort=False)["_r"].apply(list)
        seen: set[tuple[int, ...]] = set()
        for key, rows in groups.items():
            rows = sorted(int(r) for r in rows)
            if tuple(rows) in seen or len(self.items) >= MAX_KEPT:
                continue
            seen.add(tuple(rows))
            shown = ", ".join(str(r) for r in rows[:5])
            # grouped by a list of keys, each group's key is a tuple (the stubs say Hashable)
            parts = cast("tuple[object, ...]", key)
            label = " / ".join(str(k)[:10] if isinstance(k, pd.Timestamp) else str(k) for k in parts)
            self.items.append(
                problem(
                    "duplicate",
                    f"row {rows[-1]}, column {keys[0]}: rows {shown} are the same {what} ({label}); keep one",
                    row=rows[-1],
                    column=keys[0],
                    rows=rows[:20],
                )
            )


def _short(value: object) -> object:
    """A value for the page: JSON has no inf or NaN."""
    if value is None or (isinstance(value, int | float) and math.isfinite(value)):
        return value
    return str(value)[:40]


def _labels_checked(p: _Problems, df: pd.DataFrame, columns: list[str]) -> None:
    """Labels repeat on every row, so each rule runs on the distinct names only."""
    for col in columns:
        names = pd.Series(pd.unique(df[col].astype(str)))
        control = names[names.str.contains(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", regex=True)]
        if len(control):
            p.add(df[col].isin(control), "control_character", col, lambda _v: "contains a control character")
        # region, channel and metric names are labels: a 10 MB one would ride along in every answer
        long = names[names.str.len() > MAX_LABEL]
        if len(long):
            p.add(df[col].isin(long), "too_long", col, lambda _v: f"longer than {MAX_LABEL} characters")


def strip_labels(column: pd.Series) -> pd.Series:
    """A text column without surrounding spaces, each distinct value stripped once."""
    text = column.astype(str)
    return text.map({v: v.strip() for v in pd.unique(text)})


def _raise(problems: list[dict[str, object]], what: str) -> None:
    if problems:
        problems = sorted(problems, key=lambda x: cast("int | None", x["row"]) or 0)  # a row: int or None
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        message = (
            f"{what}: {len(problems)} problem(s), nothing imported: "
            + "; ".join(str(x["message"]) for x in problems[:MAX_REPORTED])
            + more
        )
        raise DataError(message, problems=problems[:MAX_KEPT])


def _metric_keys(names: pd.Series) -> pd.Series:
    """Metric names as keys: a long sheet may name them as planners do (销售额, GMV)."""
    text = names.astype(str)
    distinct = {}
    for n in pd.unique(text):
        key = n.strip().lower()
        distinct[n] = key if key in METRICS else metric_key(key) or key
    return text.map(distinct)


def validate_facts(raw: pd.DataFrame, *, what: str = "facts") -> pd.DataFrame:
    """Long facts checked row by row (vectorised): dates, finite non-negative numbers, known base
    metrics, sane labels, one row per key. A frame from `tools.layouts` keeps its sheet's row and
    column numbers in the messages."""
    df = _check_columns(raw, FACT_COLUMNS, {"region", "channel"}, what)
    p = _Problems(df)
    df = df[FACT_COLUMNS].copy()
    for c in ("region", "channel"):
        df[c] = strip_labels(df[c])
    df["metric"] = _metric_keys(df["metric"])
    dates = df["date"] if pd.api.types.is_datetime64_any_dtype(df["date"]) else parse_dates(df["date"])[0]
    values = df["value"] if pd.api.types.is_numeric_dtype(df["value"]) else parse_numbers(df["value"])[0]
    _labels_checked(p, df, ["region", "channel", "metric"])
    p.add(dates.isna(), "bad_date", "date", lambda v: f"{v!r} is not a date (use YYYY-MM-DD)", df["date"])
    p.add(values.isna(), "bad_number", "value", lambda v: f"{v!r} is not a number", df["value"])
    finite = values.notna()
    p.add(
        finite & ~(values.abs() <= MAX_VALUE),
        "too_large",
        "value",
        lambda v: f"{v!r} is not a finite number up to 1e15",
        df["value"],
    )
    p.add(finite & (values < 0), "negative", "value", lambda v: f"{v} is negative", values)
    known = df["metric"].isin(list(METRICS))
    p.add(~known, "unknown_metric", "metric", lambda v: f"unknown metric {v!r}", df["metric"])
    derived = df["metric"].isin([k for k, m in METRICS.items() if m.derived])
    p.add(
        derived,
        "derived_metric",
        "metric",
        lambda v: f"{v!r} is derived; import its base metrics instead",
        df["metric"],
    )
    df["date"], df["value"] = dates, values.astype(float)
    p.duplicates(df, ["date", "region", "channel", "metric"], "date, region, channel and metric")
    _raise(p.items, what)
    return df.reset_index(drop=True)


def validate_targets(raw: pd.DataFrame, *, what: str = "targets") -> pd.DataFrame:
    df = _check_columns(raw, TARGET_COLUMNS, {"region", "channel"}, what)
    p = _Problems(df)
    df = df[TARGET_COLUMNS].copy()
    for c in ("period", "region", "channel"):
        df[c] = strip_labels(df[c])
    df["metric"] = _metric_keys(df["metric"])
    labels = df["period"].map({x: period_label(x) for x in pd.unique(df["period"])})
    values = df["target"] if pd.api.types.is_numeric_dtype(df["target"]) else parse_numbers(df["target"])[0]
    _labels_checked(p, df, ["period", "region", "channel", "metric"])
    p.add(
        labels.isna(),
        "bad_period",
        "period",
        lambda v: f"invalid period {v!r}: use 2026, 2026-Q3, 2026-09 or 2026-W37",
        df["period"],
    )
    p.add(
        ~df["metric"].isin(list(METRICS)),
        "unknown_metric",
        "metric",
        lambda v: f"unknown metric {v!r}",
        df["metric"],
    )
    p.add(values.isna(), "bad_number", "target", lambda v: f"{v!r} is not a number", df["target"])
    p.add(
        values.notna() & ~(values.abs() <= MAX_VALUE),
        "too_large",
        "target",
        lambda v: f"{v!r} is not a finite number up to 1e15",
        df["target"],
    )
    df["period"], df["target"] = labels.fillna(df["period"]), values.astype(float)
    p.duplicates(df, ["period", "metric", "region", "channel"], "period, metric, region and channel")
    _raise(p.items, what)
    return df.reset_index(drop=True)


def load_facts(path: str | Path) -> pd.DataFrame:
    return validate_facts(read_table(path), what=Path(path).name)


def load_targets(path: str | Path) -> pd.DataFrame:
    return validate_targets(read_table(path), what=Path(path).name)


@dataclass(frozen=True)
class FactsShape:
    """What a data set talks about: its window, its regions and channels (largest first) and the
    metrics it can answer (derived ones when their inputs are there)."""

    window: DataWindow | None
    regions: tuple[str, ...]
    channels: tuple[str, ...]
    metrics: tuple[str, ...]


def facts_shape(facts: pd.DataFrame) -> FactsShape:
    if facts.empty:
        return FactsShape(window=None, regions=(), channels=(), metrics=())
    base = set(facts["metric"].unique())
    return FactsShape(
        window=data_window(facts["date"]),
        regions=_segments(facts, "region"),
        channels=_segments(facts, "channel"),
        metrics=tuple(key for key, m in METRICS.items() if all(x in base for x in m.base_inputs)),
    )


def _segments(facts: pd.DataFrame, column: str) -> tuple[str, ...]:
    """The segments of a column, largest first (by revenue, else spend, else rows): the order a
    planner reads a table in."""
    rows = facts[facts[column] != ""]
    if rows.empty:
        return ()
    for metric in ("revenue", "spend"):
        sized = rows[rows["metric"] == metric]
        if not sized.empty:
            volume = sized.groupby(column)["value"].sum()
            break
    else:
        volume = rows.groupby(column).size().astype(float)
    names = set(rows[column].unique())
    return tuple(sorted(names, key=lambda n: (-float(volume.get(n, 0.0)), n)))
