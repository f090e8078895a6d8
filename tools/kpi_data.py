"""Reading and validating KPI facts and targets.

Facts are long-form rows `date, region, channel, metric, value`; targets are
`period, metric, target, region, channel`. Region and channel may be blank for totals. A bad file
is rejected whole with every problem named by row (as a spreadsheet numbers it: the header is row 1)
and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tools.errors import DataError, InvalidArgument
from tools.metrics import METRICS
from tools.periods import DataWindow, data_window, parse_period

FACT_COLUMNS = ["date", "region", "channel", "metric", "value"]
TARGET_COLUMNS = ["period", "metric", "target", "region", "channel"]
MAX_REPORTED = 20
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
        raise DataError(f"{what}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}")
    for c in optional:
        if c not in df.columns:
            df[c] = ""
    return df


def _control_characters(df: pd.DataFrame, columns: list[str]) -> list[str]:
    problems = []
    for col in columns:
        bad = df[col].astype(str).str.contains(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", regex=True)
        problems += [f"row {i + 2}, column {col}: contains a control character" for i in bad[bad].index]
    return problems


def _long_labels(df: pd.DataFrame, columns: list[str]) -> list[str]:
    """Region, channel and metric names are labels: a 10 MB one would ride along in every answer."""
    out = []
    for c in columns:
        too_long = df.index[df[c].str.len() > MAX_LABEL]
        out += [
            f"row {i + 2}, column {c}: longer than {MAX_LABEL} characters" for i in too_long[:MAX_REPORTED]
        ]
    return out


def _structured(problem: str) -> dict[str, object]:
    m = re.match(r"row (\d+), column (\w+): (.*)", problem)
    return (
        {"row": int(m[1]), "column": m[2], "message": m[3]}
        if m
        else {"row": None, "column": None, "message": problem}
    )


def _raise(problems: list[str], what: str) -> None:
    if problems:
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        message = (
            f"{what}: {len(problems)} problem(s), nothing imported: "
            + "; ".join(problems[:MAX_REPORTED])
            + more
        )
        raise DataError(message, problems=[_structured(p) for p in problems[:200]])


def validate_facts(raw: pd.DataFrame, *, what: str = "facts") -> pd.DataFrame:
    df = _check_columns(raw, FACT_COLUMNS, {"region", "channel"}, what)
    df = df[FACT_COLUMNS].copy()
    for c in ("region", "channel", "metric"):
        df[c] = df[c].astype(str).str.strip()
    df["metric"] = df["metric"].str.lower()
    dates = pd.to_datetime(df["date"].astype(str).str.strip(), errors="coerce", format="mixed")
    values = pd.to_numeric(df["value"].astype(str).str.strip().str.replace(",", ""), errors="coerce")
    problems = _control_characters(df, ["region", "channel", "metric"]) + _long_labels(
        df, ["region", "channel", "metric"]
    )
    for i in range(len(df)):
        row = i + 2
        if pd.isna(dates.iat[i]):
            problems.append(f"row {row}, column date: {df['date'].iat[i]!r} is not a date (use YYYY-MM-DD)")
        if pd.isna(values.iat[i]):
            problems.append(f"row {row}, column value: {df['value'].iat[i]!r} is not a number")
        elif not abs(values.iat[i]) <= MAX_VALUE:
            problems.append(
                f"row {row}, column value: {df['value'].iat[i]!r} is not a finite number up to 1e15"
            )
        elif values.iat[i] < 0:
            problems.append(f"row {row}, column value: {values.iat[i]} is negative")
        metric = df["metric"].iat[i]
        if metric not in METRICS:
            problems.append(f"row {row}, column metric: unknown metric {metric!r}")
        elif METRICS[metric].derived:
            problems.append(
                f"row {row}, column metric: {metric!r} is derived; import its base metrics instead"
            )
    _raise(problems, what)
    df["date"], df["value"] = dates, values.astype(float)
    return df.reset_index(drop=True)


def validate_targets(raw: pd.DataFrame, *, what: str = "targets") -> pd.DataFrame:
    df = _check_columns(raw, TARGET_COLUMNS, {"region", "channel"}, what)
    df = df[TARGET_COLUMNS].copy()
    for c in ("period", "region", "channel", "metric"):
        df[c] = df[c].astype(str).str.strip()
    df["metric"] = df["metric"].str.lower()
    values = pd.to_numeric(df["target"].astype(str).str.strip().str.replace(",", ""), errors="coerce")
    problems = _control_characters(df, ["period", "region", "channel", "metric"]) + _long_labels(
        df, ["region", "channel", "metric"]
    )
    for i in range(len(df)):
        row = i + 2
        try:
            df.loc[df.index[i], "period"] = parse_period(df["period"].iat[i]).label
        except InvalidArgument as e:
            problems.append(f"row {row}, column period: {e}")
        if df["metric"].iat[i] not in METRICS:
            problems.append(f"row {row}, column metric: unknown metric {df['metric'].iat[i]!r}")
        if pd.isna(values.iat[i]):
            problems.append(f"row {row}, column target: {df['target'].iat[i]!r} is not a number")
        elif not abs(values.iat[i]) <= MAX_VALUE:
            problems.append(
                f"row {row}, column target: {df['target'].iat[i]!r} is not a finite number up to 1e15"
            )
    _raise(problems, what)
    df["target"] = values.astype(float)
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
