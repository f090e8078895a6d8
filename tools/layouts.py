"""The sheets planners keep their KPIs in, read into the long rows the store keeps.

Two layouts are read, for facts and for targets alike:

- *long*: one row per figure (`date, region, channel, metric, value`; `period, metric, target,
  region, channel`);
- *wide*: one row per week (or period) × region × channel and one column per metric, the sheet
  every planner keeps ("日期, 区域, 渠道, 花费（万元）, 曝光, 点击, 成交单数, GMV").

Headers are matched through `headers.yaml` (Chinese or English, any case, a unit in brackets);
a header nothing matches is listed and ignored. Cells may carry units ("1.2万", "¥3,000", "65%");
dates may be week labels (2026-W37, 2026年第37周) or any common date spelling (2026/9/7). Weekly
rows are dated by the Monday of their ISO week, the date the store keeps weeks under, so a sheet
that dates its weeks by their Sunday updates the same weeks instead of adding new ones.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, SupportsInt, cast

import pandas as pd
import yaml

from tools.metrics import METRICS
from tools.periods import parse_period

Kind = Literal["facts", "targets"]
Shape = Literal["long", "wide"]
KEY_FIELDS = ("date", "period", "region", "channel", "metric", "value", "target")
BLANKS = {"", "-", "—", "–", "/", "n/a", "na", "nan", "none", "null"}
_BRACKETS = re.compile(r"[(（\[【]([^)）\]】]*)[)）\]】]\s*$")
_TARGET_SUFFIX = re.compile(r"(目标值?|目标|target|goal)$", re.I)


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    table: dict[str, Any] = yaml.safe_load(
        (Path(__file__).parent / "headers.yaml").read_text(encoding="utf-8")
    )
    return table


def _norm(text: str) -> str:
    """Width, case and spaces do not matter in a header or a name: "ＧＭＶ ", "gmv" and "GMV" match."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


@lru_cache(maxsize=1)
def _aliases() -> tuple[dict[str, str], dict[str, str], dict[str, float]]:
    """(header → field, name → metric key, unit → multiplier), all normalised."""
    table = _table()
    fields = {_norm(a): f for f, names in table["fields"].items() for a in [f, *names]}
    metrics = {_norm(a): m for m, names in table["metrics"].items() for a in [m, *names]}
    for key, metric in METRICS.items():  # the registry's own names always work
        metrics.setdefault(_norm(metric.zh), key)
        metrics.setdefault(_norm(metric.en), key)
    units = {_norm(u): float(v) for u, v in table["units"].items()}
    return fields, metrics, units


def metric_key(name: str) -> str | None:
    """The metric a name stands for ("GMV" → revenue, "成交单数" → conversions), or None."""
    return _aliases()[1].get(_norm(name))


@dataclass(frozen=True)
class Column:
    header: str  # as in the file
    field: str  # date, period, region, channel, metric, value, target, a metric key, or "" (ignored)
    scale: float = 1.0  # a unit in the header: 万 → 10000

    def as_dict(self) -> dict[str, Any]:
        return {"header": self.header, "field": self.field, "scale": self.scale}


@dataclass(frozen=True)
class Layout:
    kind: Kind
    shape: Shape
    columns: tuple[Column, ...]

    @property
    def unknown(self) -> list[str]:
        return [c.header for c in self.columns if not c.field]

    def find(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)

    @property
    def metric_columns(self) -> list[Column]:
        return [c for c in self.columns if c.field in METRICS]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "shape": self.shape,
            "columns": [c.as_dict() for c in self.columns],
            "unknown": self.unknown,
        }


def _column(header: str, kind: Kind | None) -> Column:
    fields, metrics, units = _aliases()
    text, scale = str(header), 1.0
    if m := _BRACKETS.search(text):
        unit = _norm(m[1])
        text = text[: m.start()]
        scale = units.get(unit, 1.0)
    name = _norm(text)
    if name in fields:
        return Column(str(header), fields[name], scale)
    for unit, factor in sorted(units.items(), key=lambda u: -len(u[0])):  # "花费万元", "gmv(w)"
        if len(name) > len(unit) and name.endswith(unit) and name[: -len(unit)] in metrics:
            return Column(str(header), metrics[name[: -len(unit)]], factor)
    if name in metrics:
        return Column(str(header), metrics[name], scale)
    bare = _TARGET_SUFFIX.sub("", name)
    if kind != "facts" and bare != name and bare in metrics:
        return Column(str(header), metrics[bare], scale)
    return Column(str(header), "", scale)


def guess_layout(headers: list[str], *, kind: Kind | None = None, sheet: str = "") -> Layout:
    """The layout a sheet's headers say it has. `kind` forces facts or targets; otherwise a sheet
    with a period column, target columns or a name like 目标 / targets holds targets."""
    columns = [_column(h, kind) for h in headers]
    found = {c.field for c in columns}
    if kind is None:
        named = re.search(r"目标|target|goal", sheet, re.I) is not None
        targety = any(_TARGET_SUFFIX.search(_norm(h)) for h in headers)
        kind = (
            "targets"
            if "period" in found or "target" in found or named or (targety and "date" not in found)
            else "facts"
        )
        columns = [_column(h, kind) for h in headers]
        found = {c.field for c in columns}
    shape: Shape = "long" if "metric" in found and ({"value", "target"} & found) else "wide"
    return Layout(kind=kind, shape=shape, columns=_first_of_each(columns))


def _first_of_each(columns: list[Column]) -> tuple[Column, ...]:
    """A field is read from one column: a second "日期" is ignored and listed."""
    seen: set[str] = set()
    out = []
    for c in columns:
        if c.field and c.field in seen:
            out.append(replace(c, field=""))
        else:
            seen.add(c.field)
            out.append(c)
    return tuple(out)


def apply_mapping(layout: Layout, mapping: dict[str, str] | None) -> Layout:
    """The planner's corrections to a guessed layout: header → field ("" ignores the column)."""
    if not mapping:
        return layout
    fields = set(KEY_FIELDS) | set(METRICS) | {""}
    columns = []
    for c in layout.columns:
        if c.header in mapping:
            chosen = str(mapping[c.header]).strip()
            if chosen not in fields:
                chosen = metric_key(chosen) or ""
            c = replace(c, field=chosen)
        columns.append(c)
    found = {c.field for c in columns}
    shape: Shape = "long" if "metric" in found and ({"value", "target"} & found) else "wide"
    return Layout(kind=layout.kind, shape=shape, columns=_first_of_each(columns))


# -- problems ---------------------------------------------------------------------------------
def problem(
    code: str, message: str, *, row: int | None = None, column: str | None = None, **extra: Any
) -> dict[str, Any]:
    """One thing wrong with a file, by row (as a spreadsheet numbers it: the header is row 1) and
    column. `code` lets the page say it in the planner's language; `message` is English."""
    return {"code": code, "row": row, "column": column, "message": message, **extra}


@dataclass
class Reading:
    """A sheet read into long rows, with what went wrong and what the planner should know."""

    sheet: str
    layout: Layout
    # long rows with `_row` (the sheet row), `_column` (the value's header) and `_raw` (its cell)
    frame: pd.DataFrame
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)  # {code, message, …}: things to know
    rows: int = 0  # the sheet's rows


_REQUIRED: dict[tuple[Kind, Shape], tuple[str, ...]] = {
    ("facts", "long"): ("date", "metric", "value"),
    ("facts", "wide"): ("date",),
    ("targets", "long"): ("period", "metric", "target"),
    ("targets", "wide"): ("period",),
}
_NAMES_ZH = {"date": "日期", "period": "期间", "metric": "指标", "value": "数值", "target": "目标"}


def to_long(raw: pd.DataFrame, layout: Layout, *, sheet: str = "", weekly: bool | None = None) -> Reading:
    """Read a sheet (a table of strings) in its layout. `weekly` says the workspace keeps weekly
    rows, for a file too short to show its own frequency (one re-uploaded week)."""
    reading = Reading(sheet=sheet, layout=layout, frame=pd.DataFrame(), rows=len(raw))
    if layout.unknown:
        reading.notes.append(
            {
                "code": "ignored_columns",
                "columns": layout.unknown,
                "message": "ignored columns: " + ", ".join(layout.unknown),
            }
        )
    missing = [f for f in _REQUIRED[(layout.kind, layout.shape)] if layout.find(f) is None]
    if layout.shape == "wide" and not layout.metric_columns:
        missing.append("metric")
    if missing:
        reading.problems += [
            problem(
                "missing_column",
                f"missing column for {f} ({_NAMES_ZH.get(f, f)})"
                + ("; or one column per metric (花费, 曝光, 点击, 转化, 销售额 …)" if f == "metric" else ""),
                field=f,
            )
            for f in missing
        ]
        return reading
    df = raw.reset_index(drop=True)
    df.columns = [str(c) for c in df.columns]
    row = pd.Series(range(2, len(df) + 2), index=df.index)
    when = "date" if layout.kind == "facts" else "period"
    value = "value" if layout.kind == "facts" else "target"
    ids = {f: layout.find(f) for f in (when, "region", "channel")}
    base = pd.DataFrame({"_row": row})
    for f, col in ids.items():
        base[f] = _stripped(df[col.header]) if col is not None else ""
    if layout.shape == "long":
        metric_col, value_col = layout.find("metric"), layout.find(value)
        assert metric_col is not None and value_col is not None
        long = base.assign(
            metric=_stripped(df[metric_col.header]),
            _raw=df[value_col.header].astype(str),
            _column=value_col.header,
            _scale=value_col.scale,
        )
        long["metric"] = long["metric"].map({n: metric_key(n) or n for n in pd.unique(long["metric"])})
    else:
        metric_cols = layout.metric_columns
        if layout.kind == "facts":
            derived = [c for c in metric_cols if METRICS[c.field].derived]
            if derived:
                headers = [c.header for c in derived]
                reading.notes.append(
                    {
                        "code": "ratio_columns",
                        "columns": headers,
                        "message": "ratio columns are worked out from their base metrics, not imported: "
                        + ", ".join(headers),
                    }
                )
            metric_cols = [c for c in metric_cols if not METRICS[c.field].derived]
            if not metric_cols:
                reading.problems.append(
                    problem(
                        "missing_column",
                        "no base metric column (花费, 曝光, 点击, 转化, 销售额 …)",
                        field="metric",
                    )
                )
                return reading
        parts = []
        for c in metric_cols:
            cells = df[c.header].astype(str)
            short = cells.str.len() <= max(len(b) for b in BLANKS) + 2  # an empty cell: no figure, no row
            keep = pd.Series(True, index=cells.index)
            keep[short] = ~cells[short].str.strip().str.casefold().isin(BLANKS)
            parts.append(
                base[keep].assign(metric=c.field, _raw=cells[keep], _column=c.header, _scale=c.scale)
            )
        long = pd.concat(parts, ignore_index=True) if parts else base.iloc[0:0]
    numbers, bad_number, own_unit = parse_numbers(long["_raw"], with_units=True)
    long[value] = numbers * long["_scale"].where(~own_unit, 1.0)  # "6.2万" in a (万) column is 6.2万
    for i in long.index[bad_number][:200]:
        # a cell is typed as any scalar (bytes too); `_row` holds sheet rows, `_column` headers
        sheet_row = cast(SupportsInt, long.at[i, "_row"])
        header = cast(str, long.at[i, "_column"])
        reading.problems.append(
            problem(
                "bad_number",
                f"row {sheet_row}, column {header}: {long.at[i, '_raw']!r} is not a number",
                row=int(sheet_row),
                column=str(header),
                value=str(long.at[i, "_raw"])[:40],
            )
        )
    when_column = ids[when]
    when_header = when_column.header if when_column else when
    if layout.kind == "facts":
        dates, bad_date = parse_dates(long["date"])
        dates, moved = _weekly_mondays(dates, weekly=weekly)
        if moved:
            reading.notes.append(
                {
                    "code": "mondays",
                    "example": moved,
                    "message": f"weeks are kept under their Monday: {moved}",
                }
            )
        long["date"] = dates
        bad = bad_date
    else:
        labels = long["period"].map({p: period_label(p) for p in pd.unique(long["period"])})
        bad = labels.isna()
        long["period"] = labels
    first_bad = long[bad].drop_duplicates("_row").head(200)
    what = "date" if layout.kind == "facts" else "period"
    for _, r in first_bad.iterrows():
        original = raw.iloc[int(r["_row"]) - 2][when_header] if when_header in raw.columns else ""
        reading.problems.append(
            problem(
                f"bad_{what}",
                f"row {r['_row']}, column {when_header}: {original!r} is not a "
                + (
                    "date (use 2026-09-07, 2026/9/7 or 2026-W37)"
                    if what == "date"
                    else "period (2026, 2026-Q3, 2026-09)"
                ),
                row=int(r["_row"]),
                column=when_header,
                value=str(original)[:40],
            )
        )
    reading.frame = long.drop(columns=["_scale"])
    return reading


def _stripped(column: pd.Series) -> pd.Series:
    text = column.astype(str)
    return text.map({v: v.strip() for v in pd.unique(text)})


def parse_numbers(cells: pd.Series, *, with_units: bool = False) -> Any:
    """Numbers as planners type them: "12,345", "1.2万", "¥3,000元", "65%", "3亿". Returns the
    values and a mask of the cells that are not numbers (and, `with_units`, a mask of the cells
    that carry their own magnitude, such as 万, which a unit in the header must not multiply again).

    Plain numbers, nearly every cell of a sheet, are read in one vectorised pass; only the rest
    go through the unit rules."""
    values = pd.to_numeric(cells, errors="coerce").astype(float)
    factor = pd.Series(1.0, index=cells.index)
    rest = values.isna() & cells.notna()
    if rest.any():
        units = _aliases()[2]
        text = cells[rest].astype(str).map(lambda s: unicodedata.normalize("NFKC", s)).str.strip()
        text = text.str.replace(r"[,\s]", "", regex=True).str.replace("，", "", regex=False)
        pattern = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
        lead = text.str.extract(rf"^({pattern})", flags=re.I)[0]
        text = text.str.replace(rf"^({pattern})", "", regex=True, flags=re.I)
        tail = text.str.extract(rf"({pattern})$", flags=re.I)[0]
        text = text.str.replace(rf"({pattern})$", "", regex=True, flags=re.I)
        factor[rest] = tail.str.casefold().map(units).fillna(lead.str.casefold().map(units)).fillna(1.0)
        values[rest] = pd.to_numeric(text, errors="coerce")
    if with_units:
        return values * factor, values.isna(), factor != 1.0
    return values * factor, values.isna()


_WEEK = re.compile(r"^(\d{4})\s*(?:-|年)?\s*(?:W|第)\s*(\d{1,2})\s*周?$", re.I)
_CN_DATE = re.compile(r"^(\d{4})\s*[年./-]?\s*(\d{1,2})\s*[月./-]?\s*(\d{1,2})\s*日?$")


def _one_date(text: str) -> pd.Timestamp | None:
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if m := _WEEK.match(s):
        try:
            return pd.Timestamp.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            return None
    if m := _CN_DATE.match(s):
        try:
            return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if re.fullmatch(r"\d{5}(\.0)?", s) and 20000 < float(s) < 80000:  # an Excel serial day
        return pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(s)))
    if not re.match(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$", s):
        return None
    stamp = pd.to_datetime(s, errors="coerce")
    return None if pd.isna(stamp) else pd.Timestamp(stamp).normalize()


def parse_dates(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates and week labels, each distinct spelling parsed once. Returns the dates and a mask of
    the cells that are not dates."""
    distinct = {v: _one_date(v) for v in pd.unique(cells.astype(str))}
    dates = pd.to_datetime(cells.astype(str).map(distinct), errors="coerce")
    return dates, dates.isna()


def _weekly_mondays(dates: pd.Series, *, weekly: bool | None) -> tuple[pd.Series, str]:
    """Weekly rows on the Monday of their ISO week; what moved, as a note ("" when nothing did)."""
    days = pd.DatetimeIndex(dates.dropna().unique()).sort_values()
    if days.empty:
        return dates, ""
    gaps = pd.Series(days).diff().dt.days.dropna()
    is_weekly = bool((gaps % 7 == 0).all() and (gaps.median() == 7)) if len(gaps) else bool(weekly)
    if not is_weekly or (days.day_of_week == 0).all():
        return dates, ""
    mondays = dates - pd.to_timedelta(dates.dt.weekday, unit="D")
    first = days[days.day_of_week != 0][0]
    return mondays, f"{first.date()} → {(first - pd.Timedelta(days=first.weekday())).date()}"


_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "1": "1", "2": "2", "3": "3", "4": "4"}


def period_label(text: str) -> str | None:
    """A target's period in the store's spelling: 2026, 2026-Q3, 2026-09 or 2026-W37. Reads
    "2026年第三季度", "Q3 2026", "2026年9月", "2026/9", "202609" and a month's first day."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).upper()
    patterns: list[tuple[str, Callable[[re.Match[str]], str | None]]] = [
        (r"^(\d{4})年?$", lambda m: m[1]),
        (
            r"^(\d{4})[-年/.]?(?:Q|第)?([1-4一二三四])(?:季度|季|Q)?$",
            lambda m: f"{m[1]}-Q{_CN_DIGITS[m[2]]}" if "Q" in s or "季" in s else None,
        ),
        (r"^Q([1-4])[-/]?(\d{4})$", lambda m: f"{m[2]}-Q{m[1]}"),
        (r"^(\d{4})[-年/.](\d{1,2})月?$", lambda m: f"{m[1]}-{int(m[2]):02d}"),
        (r"^(\d{4})(\d{2})$", lambda m: f"{m[1]}-{m[2]}"),
        (r"^(\d{4})-?W(\d{1,2})$", lambda m: f"{m[1]}-W{int(m[2]):02d}"),
        (r"^(\d{4})年第(\d{1,2})周$", lambda m: f"{m[1]}-W{int(m[2]):02d}"),
        (r"^(\d{4})[-年/.](\d{1,2})[-月/.]0?1日?(?:00:00:00)?$", lambda m: f"{m[1]}-{int(m[2]):02d}"),
    ]
    for pattern, label in patterns:
        if m := re.match(pattern, s):
            candidate = label(m)
            if candidate is None:
                continue
            try:
                return parse_period(candidate).label
            except Exception:  # a month 13, a week 60: not a period
                return None
    return None


# -- names ------------------------------------------------------------------------------------
def near_names(
    frame: pd.DataFrame, column: str, known: tuple[str, ...] | list[str], *, header: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Region or channel names that are almost a known one. The same name but for spaces, width
    or case ("华 东", "华东") is a problem: it would split one region in two. A close spelling of a
    known name ("华东区" for "华东") is a warning. `header` names the column as the sheet does.
    Returns (problems, warnings)."""
    if frame.empty or column not in frame.columns:
        return [], []
    counts = frame[column].value_counts()
    incoming = [n for n in counts.index if n]
    by_key: dict[str, str] = {}
    for name in [*known, *sorted(incoming, key=lambda n: (-counts[n], n))]:
        by_key.setdefault(_norm(name), name)
    problems, warnings = [], []
    for name in incoming:
        if name in known:
            continue
        canonical = by_key[_norm(name)]
        first = None
        if canonical != name or difflib.get_close_matches(name, list(known), n=1, cutoff=0.75):
            first = int(frame.loc[frame[column] == name, "_row"].min()) if "_row" in frame.columns else None
        if canonical != name:
            problems.append(
                problem(
                    f"near_{column}",
                    f"row {first}, column {header or column}: {name!r} looks like {canonical!r} (spaces, width or case differ)",
                    row=first,
                    column=header or column,
                    value=name,
                    suggestion=canonical,
                )
            )
        elif close := difflib.get_close_matches(name, list(known), n=1, cutoff=0.75):
            warnings.append(
                problem(
                    f"new_{column}",
                    f"{name!r} is a new {column}; did you mean {close[0]!r}?",
                    row=first,
                    column=header or column,
                    value=name,
                    suggestion=close[0],
                )
            )
    return problems, warnings
