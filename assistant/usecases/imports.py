"""A workspace's own KPI data: files read in the planner's layout, previewed, imported, reverted;
targets listed and edited.

The preview and the import read a file the same way (`read_uploads`), so what the page shows
before the import is what the import writes. Every problem is named by file, sheet, row and
column; a file with any problem imports nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, SupportsFloat, cast

import pandas as pd
from pydantic import BaseModel

from assistant.errors import DataError, InvalidArgument
from assistant.kpi_store import ImportPlan, ImportResult
from assistant.presentation import templates
from assistant.settings import get_settings
from assistant.usecases.context import WorkspaceContext
from tools.changes import MODES, Mode
from tools.files import Limits, read_sheets_bytes
from tools.kpi_data import FACT_COLUMNS, TARGET_COLUMNS, validate_facts, validate_targets
from tools.layouts import Layout, Reading, apply_mapping, guess_layout, near_names, to_long
from tools.metrics import METRICS

if TYPE_CHECKING:
    from assistant.services import Services

SheetKind = Literal["facts", "targets", "skip"]
HEAD_ROWS = 5


@dataclass(frozen=True)
class Upload:
    data: bytes
    name: str
    kind: Literal["facts", "targets"] | None = None  # what the form field says the file holds


class SheetPreview(BaseModel):
    file: str
    sheet: str
    kind: SheetKind
    layout: dict[str, Any]  # shape, columns (header → field, unit scale), unknown headers
    rows: int  # the sheet's rows
    records: int  # the figures they hold (a wide row holds one per metric column)
    first: str | None = None  # the earliest date or period
    last: str | None = None
    head: list[dict[str, str]] = []  # the sheet's first rows as written
    problems: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []


class Preview(BaseModel):
    ok: bool
    read_as: str
    sheets: list[SheetPreview]
    problems: list[dict[str, Any]]  # every sheet's, with file and sheet
    warnings: list[dict[str, Any]]
    plan: ImportPlan | None = None  # what the import would change, when the files are good
    detail: str = ""


@dataclass
class _Read:
    sheets: list[tuple[str, str, Reading | None, pd.DataFrame]]  # file, sheet, reading (None: skipped), raw
    facts: list[pd.DataFrame]  # each sheet's checked rows
    targets: list[pd.DataFrame]
    read_as: str

    @property
    def problems(self) -> list[dict[str, Any]]:
        return [{"file": f, "sheet": s, **p} for f, s, r, _ in self.sheets if r for p in r.problems]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [{"file": f, "sheet": s, **p} for f, s, r, _ in self.sheets if r for p in r.warnings]


def _mapping_for(mapping: dict[str, Any] | None, sheet: str) -> dict[str, str]:
    """{sheet: {header: field}} or, for every sheet, {header: field}."""
    if not mapping:
        return {}
    if isinstance(mapping.get(sheet), dict):
        return {str(k): str(v) for k, v in mapping[sheet].items()}
    return {str(k): str(v) for k, v in mapping.items() if not isinstance(v, dict)}


def _recognised(layout: Layout) -> bool:
    return any(c.field for c in layout.columns)


def read_uploads(
    ctx: WorkspaceContext,
    uploads: list[Upload],
    *,
    limits: Limits,
    mapping: dict[str, Any] | None = None,
    kinds: dict[str, SheetKind] | None = None,
) -> _Read:
    """Every sheet of every file, read in its layout and checked: each sheet's checked long rows
    (facts and targets) and its problems, warnings and notes."""
    weekly = ctx.window.frequency == "W" if ctx.window else None
    sheets: list[tuple[str, str, Reading | None, pd.DataFrame]] = []
    frames: dict[str, list[pd.DataFrame]] = {"facts": [], "targets": []}
    how = "csv"
    for upload in uploads:
        book, how = read_sheets_bytes(upload.data, upload.name, limits)
        for sheet, raw in book:
            chosen = (kinds or {}).get(sheet) or upload.kind
            if chosen == "skip":
                sheets.append((upload.name, sheet, None, raw))
                continue
            layout = guess_layout([str(c) for c in raw.columns], kind=chosen, sheet=sheet)
            layout = apply_mapping(layout, _mapping_for(mapping, sheet))
            if len(book) > 1 and not _recognised(layout) and chosen is None:
                sheets.append((upload.name, sheet, None, raw))  # a notes sheet (说明) in a workbook
                continue
            reading = to_long(raw, layout, sheet=sheet, weekly=weekly)
            if not reading.frame.empty:
                _check(reading, ctx)
            sheets.append((upload.name, sheet, reading, raw))
            if not reading.problems:
                frames[layout.kind].append(reading.frame)
    return _Read(sheets=sheets, facts=frames["facts"], targets=frames["targets"], read_as=how)


def _check(reading: Reading, ctx: WorkspaceContext) -> None:
    """The row rules (`validate_facts` / `validate_targets`) and names almost like the
    workspace's own."""
    facts = reading.layout.kind == "facts"
    read = reading.frame.dropna(subset=["date" if facts else "period", "value" if facts else "target"])
    try:  # on the rows whose date and number could be read: those that could not are named already
        checked = (validate_facts if facts else validate_targets)(read, what=reading.sheet)
    except DataError as e:  # named by the sheet's own headers ("日期", not "date")
        for p in e.problems:
            found = reading.layout.find(str(p.get("column")))
            reading.problems.append({**p, "column": found.header} if found else p)
        return
    if not reading.problems:  # every row was read: keep the checked rows, with their sheet rows
        origin = [c for c in ("_row", "_column") if c in read.columns]
        reading.frame = pd.concat([checked, read[origin].reset_index(drop=True)], axis=1)
    for column, known in (("region", ctx.regions), ("channel", ctx.channels)):
        found = reading.layout.find(column)
        problems, warnings = near_names(
            reading.frame, column, known, header=found.header if found else column
        )
        reading.problems += problems
        reading.warnings += warnings


def _sheet_preview(file: str, sheet: str, reading: Reading | None, raw: pd.DataFrame) -> SheetPreview:
    # pandas-stubs key records by Hashable; a sheet's headers are its header row's strings
    head = cast("list[dict[str, str]]", raw.head(HEAD_ROWS).astype(str).to_dict("records"))
    if reading is None:
        return SheetPreview(
            file=file,
            sheet=sheet,
            kind="skip",
            layout={},
            rows=len(raw),
            records=0,
            head=head,
            notes=[
                {
                    "code": "not_read",
                    "message": "not read: no column is a date, period, region, channel or metric",
                }
            ],
        )
    frame = reading.frame
    when = "date" if reading.layout.kind == "facts" else "period"
    first = last = None
    if not frame.empty and when in frame.columns:
        values = frame[when].dropna()
        if when == "date" and pd.api.types.is_datetime64_any_dtype(values) and not values.empty:
            first, last = values.min().date().isoformat(), values.max().date().isoformat()
        elif not values.empty:
            first, last = str(values.min()), str(values.max())
    return SheetPreview(
        file=file,
        sheet=sheet,
        kind=reading.layout.kind,
        layout=reading.layout.as_dict(),
        rows=reading.rows,
        records=len(frame),
        first=first,
        last=last,
        head=head,
        problems=reading.problems,
        warnings=reading.warnings,
        notes=reading.notes,
    )


def _mode(mode: str) -> Mode:
    if mode not in MODES:
        raise InvalidArgument(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def preview(
    services: Services,
    ctx: WorkspaceContext,
    uploads: list[Upload],
    *,
    mode: str = "upsert",
    mapping: dict[str, Any] | None = None,
    kinds: dict[str, SheetKind] | None = None,
) -> Preview:
    """What importing these files would do, without writing: the layout guessed for each sheet,
    its rows, dates and first rows, every problem, and (when there is none) the weeks and periods
    that would be added, updated or removed."""
    read = read_uploads(ctx, uploads, limits=services.settings.upload_limits(), mapping=mapping, kinds=kinds)
    problems = read.problems
    nothing = not read.facts and not read.targets
    if nothing and not problems:
        problems = [
            {
                "file": u.name,
                "sheet": "",
                "code": "no_data",
                "row": None,
                "column": None,
                "message": "no sheet holds KPI facts or targets",
            }
            for u in uploads[:1]
        ]
    plan = None
    if not problems:
        try:
            plan = services.kpis.plan_import(
                _store_frame(read.facts, FACT_COLUMNS),
                _store_frame(read.targets, TARGET_COLUMNS),
                workspace=ctx.name,
                mode=_mode(mode),
            )
        except DataError as e:  # rows that clash across sheets
            problems = [{"file": "", "sheet": "", **p} for p in e.problems] or [
                {"file": "", "sheet": "", "code": "invalid", "row": None, "column": None, "message": str(e)}
            ]
    return Preview(
        ok=not problems,
        read_as=read.read_as,
        sheets=[_sheet_preview(*s) for s in read.sheets],
        problems=problems,
        warnings=read.warnings,
        plan=plan,
        detail="; ".join(str(p["message"]) for p in problems[:5]),
    )


def _store_frame(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame | None:
    """The sheets' checked rows as one frame for the store. Each sheet was checked on its own;
    rows of several sheets are checked together once more, for keys that clash across sheets."""
    if not frames:
        return None
    if len(frames) == 1:
        return frames[0]
    validate = validate_facts if columns is FACT_COLUMNS else validate_targets
    together = pd.concat(frames, ignore_index=True)
    return pd.concat([validate(together, what="upload"), together[["_row"]]], axis=1)


def run_import(
    services: Services,
    ctx: WorkspaceContext,
    uploads: list[Upload],
    *,
    mode: str = "upsert",
    mapping: dict[str, Any] | None = None,
    kinds: dict[str, SheetKind] | None = None,
    username: str = "",
) -> ImportResult:
    """Import the files in one transaction; any problem in any sheet imports nothing."""
    read = read_uploads(ctx, uploads, limits=services.settings.upload_limits(), mapping=mapping, kinds=kinds)
    source = " + ".join(u.name for u in uploads)
    if read.problems:
        problems = read.problems
        raise DataError(
            f"{source}: {len(problems)} problem(s), nothing imported: "
            + "; ".join(
                f"{p['sheet']}: {p['message']}" if p["sheet"] != p["file"] else str(p["message"])
                for p in problems[:20]
            ),
            problems=problems[:200],
        )
    if not read.facts and not read.targets:
        raise DataError(f"{source}: no sheet holds KPI facts or targets")
    layouts = [
        {"file": f, "sheet": s, "kind": r.layout.kind, "shape": r.layout.shape, "ignored": r.layout.unknown}
        for f, s, r, _ in read.sheets
        if r
    ]
    return services.kpis.import_frames(
        _store_frame(read.facts, FACT_COLUMNS),
        _store_frame(read.targets, TARGET_COLUMNS),
        workspace=ctx.name,
        source=source,
        mode=_mode(mode),
        username=username,
        details={"sheets": layouts},
        checked=True,
    )


class ImportSummary(Protocol):
    """What `describe` reads: an import's result or plan, or a history row read like one."""

    changes: dict[str, dict[str, int]]
    dates: dict[str, list[str]]
    periods: dict[str, list[str]]


def describe(result: ImportSummary, lang: str = "zh", *, weekly: bool = True) -> str:
    """One sentence a planner reads after an import: "新增 25 行、更新 175 行，覆盖 2026-11-23 这一周"
    (the wording is `prompts/messages/import_summary.md.j2`)."""

    f, t = result.changes["facts"], result.changes["targets"]
    return (
        templates(get_settings().prompts_dir / "messages")
        .get_template("import_summary.md.j2")
        .render(
            zh=lang == "zh",
            weekly=weekly,
            reverted=getattr(result, "kind", "") == "revert",
            counts={k: f[k] + t[k] for k in ("added", "updated", "removed", "unchanged")},
            dates=sorted({d for key in ("new", "changed", "same") for d in result.dates.get(key, [])}),
            new=result.dates["new"],
            changed=result.dates["changed"],
            periods=sorted({p for key in ("new", "changed", "same") for p in result.periods.get(key, [])}),
        )
        .strip()
    )


# -- targets ----------------------------------------------------------------------------------
class TargetRow(BaseModel):
    period: str
    metric: str
    metric_name: str
    region: str
    channel: str
    target: float
    basis: str  # "" entered; "regions", "channels", "months", "quarters": the sum of its parts


def list_targets(
    ctx: WorkspaceContext,
    *,
    period: str | None = None,
    metric: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    derived: bool = True,
    lang: str = "zh",
) -> list[TargetRow]:
    """The workspace's targets, entered ones and (with `derived`) the sums their parts make,
    filtered; a period filter matches its own and shorter periods ("2026" lists its quarters and
    months too)."""
    t = ctx.targets
    if not derived:
        t = t[t["basis"] == ""]
    if period:
        t = t[t["period"].astype(str).str.startswith(period)]
    if metric:
        t = t[t["metric"] == metric]
    if region is not None:
        t = t[t["region"] == region]
    if channel is not None:
        t = t[t["channel"] == channel]
    t = t.sort_values(["period", "metric", "region", "channel"])
    return [
        TargetRow(
            period=str(r.period),
            metric=str(r.metric),
            metric_name=METRICS[str(r.metric)].name(lang) if r.metric in METRICS else str(r.metric),
            region=str(r.region),
            channel=str(r.channel),
            target=float(cast(SupportsFloat, r.target)),  # itertuples types each field as any scalar
            basis=str(r.basis or ""),
        )
        for r in t.itertuples(index=False)
    ]


def edit_targets(
    services: Services,
    ctx: WorkspaceContext,
    *,
    upserts: list[dict[str, Any]],
    removals: list[dict[str, Any]],
    username: str = "",
) -> ImportResult:
    """Set and delete targets by hand: one change in the import history, with the old values."""
    columns = TARGET_COLUMNS
    up = pd.DataFrame(upserts, columns=columns).fillna("") if upserts else None
    gone = (
        pd.DataFrame(removals, columns=[c for c in columns if c != "target"]).fillna("") if removals else None
    )
    for frame in (up, gone):
        if frame is None:
            continue
        for col, known in (("region", ctx.regions), ("channel", ctx.channels)):
            unknown = [v for v in frame[col].unique() if v and v not in known]
            if unknown and known:
                ctx.check_scope(**{col: unknown[0]})
    return services.kpis.edit_targets(up, gone, workspace=ctx.name, username=username)


# -- the template -----------------------------------------------------------------------------
def template_xlsx(ctx: WorkspaceContext) -> bytes:
    """An XLSX a planner fills in: a facts sheet and a targets sheet in the wide layout with
    Chinese headers and one filled example row each (in the workspace's own names), and a sheet
    describing the format. It imports as it is."""
    region = ctx.regions[0] if ctx.regions else "华东"
    channel = ctx.channels[0] if ctx.channels else "电商平台"
    monday = (ctx.window.last + pd.Timedelta(days=7)).date().isoformat() if ctx.window else "2026-11-23"
    month = (ctx.window.last + pd.Timedelta(days=7)).strftime("%Y-%m") if ctx.window else "2026-12"
    facts = pd.DataFrame(
        [[monday, region, channel, 12.5, 3_200_000, 64_000, 1_600, 96.0, 1_480, 420]],
        columns=[
            "日期（周一）",
            "区域",
            "渠道",
            "花费（万元）",
            "曝光",
            "点击",
            "转化",
            "销售额（万元）",
            "购买人数",
            "复购人数",
        ],
    )
    targets = pd.DataFrame(
        [[month, region, "", 400.0, "", ""]],
        columns=["期间", "区域", "渠道", "销售额目标（万元）", "获客成本目标（元）", "ROI目标"],
    )
    notes = pd.DataFrame(
        {
            "说明 / Notes": [
                "事实数据：每行一周 × 区域 × 渠道，每个指标一列；日期写该周周一（2026-11-23、2026/11/23 或 2026-W48）。",
                "Facts: one row per week × region × channel, one column per metric; date the week by its Monday.",
                "数值可带单位：列名写（万元）或单元格写 1.2万、¥3,000、65%；空单元格表示没有该指标。",
                "Values may carry units: (万元) in the header, or 1.2万, ¥3,000, 65% in a cell; leave a cell empty for no figure.",
                "目标：期间写 2026、2026-Q4 或 2026-12；区域、渠道留空表示全公司。比率（获客成本、ROI）不会被加总。",
                "Targets: period 2026, 2026-Q4 or 2026-12; blank region and channel mean the whole company.",
                "重新导入某一周会更新该周的数值，不会重复累加；导入记录可在数据页撤销。",
                "Re-importing a week updates it; it is never added twice. Every import can be reverted on the data page.",
                "也可用长表：date, region, channel, metric, value 与 period, metric, target, region, channel。",
            ]
        }
    )
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        facts.to_excel(writer, sheet_name="事实数据", index=False)
        targets.to_excel(writer, sheet_name="目标", index=False)
        notes.to_excel(writer, sheet_name="说明", index=False)
        for sheet in writer.sheets.values():
            for column in sheet.columns:
                sheet.column_dimensions[column[0].column_letter].width = 16
    return out.getvalue()
