"""KPI facts and targets in the database, per workspace, with the demo company loaded on first run.

Every change to a workspace's data (an import, a target edited in the UI, a revert) is one
transaction and one `Dataset` row: its id is the data version that caches, agents and tool
provenance follow. An import upserts by key (a re-uploaded week replaces that week's values
instead of adding them again) and keeps each value it overwrote or removed, so it can be reverted
exactly while no later change has built on it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, cast

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import CursorResult, Row, Table, and_, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.db import Dataset, KpiChange, KpiFact, KpiTarget
from assistant.errors import Conflict, NotFound
from assistant.settings import DEMO_WORKSPACE
from tools.changes import KEYS, ChangePlan, Kind, Mode, plan_changes
from tools.kpi_data import FactsShape, facts_shape, validate_facts, validate_targets
from tools.targets import roll_up

CHUNK = 5_000  # rows per statement: well inside every driver's parameter limit
_MODELS: dict[Kind, type[KpiFact] | type[KpiTarget]] = {"fact": KpiFact, "target": KpiTarget}
_VALUE: dict[Kind, str] = {"fact": "value", "target": "target"}


@dataclass(frozen=True)
class KpiData:
    facts: pd.DataFrame
    targets: pd.DataFrame  # as stored
    version: int  # the dataset id: tool provenance cites it
    loaded_at: datetime | None

    @cached_property
    def shape(self) -> FactsShape:
        """Window, regions, channels and metrics, derived once per loaded (cached) data set."""
        return facts_shape(self.facts)

    @cached_property
    def facts_digest(self) -> str:
        """The facts' content digest: what a fitted mix model is cached by."""
        from assistant.mix_store import facts_digest

        return facts_digest(self.facts)

    @cached_property
    def resolved_targets(self) -> pd.DataFrame:
        """The stored targets plus those their parts add up to (see `tools.targets.roll_up`):
        what every reader of a target sees."""
        return roll_up(self.targets, self.facts)


class ImportResult(BaseModel):
    """What one change to a workspace's data did."""

    dataset_version: int
    kind: str  # import | edit | revert
    mode: str
    facts: int  # rows in the file
    targets: int
    changes: dict[str, dict[str, int]]  # {"facts": {"added": …, "updated": …, "removed": …, "unchanged": …}}
    dates: dict[str, list[str]]  # the facts' dates: new, changed, same
    periods: dict[str, list[str]]  # the targets' periods: new, changed, same


class ImportPlan(BaseModel):
    """An import worked out against the stored data but not written: what the preview shows."""

    mode: str
    changes: dict[str, dict[str, int]]
    dates: dict[str, list[str]]
    periods: dict[str, list[str]]


def _empty_counts() -> dict[str, int]:
    return {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}


def _empty_scopes() -> dict[str, list[str]]:
    return {"new": [], "changed": [], "same": []}


class KpiStore:
    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions
        self._cache: dict[str, KpiData] = {}

    def version(self, workspace: str) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.max(Dataset.id)).where(Dataset.workspace == workspace)) or 0)

    def load(self, workspace: str) -> KpiData:
        """Facts and targets of a workspace, cached until the next change.

        Rows come in key order, not insertion order, so the same data gives the same sums to the
        last bit however it got there (an import and its revert included)."""
        version = self.version(workspace)
        cached = self._cache.get(workspace)
        if cached is not None and cached.version == version:
            return cached
        with self.sessions() as s:
            bind = s.get_bind()
            facts = _read(
                select(KpiFact.date, KpiFact.region, KpiFact.channel, KpiFact.metric, KpiFact.value)
                .where(KpiFact.workspace == workspace)
                .order_by(KpiFact.date, KpiFact.region, KpiFact.channel, KpiFact.metric),
                bind,
            )
            targets = pd.read_sql(
                select(
                    KpiTarget.period, KpiTarget.metric, KpiTarget.target, KpiTarget.region, KpiTarget.channel
                )
                .where(KpiTarget.workspace == workspace)
                .order_by(KpiTarget.period, KpiTarget.metric, KpiTarget.region, KpiTarget.channel),
                bind,
            )
            loaded = s.scalar(select(Dataset.created_at).where(Dataset.id == version)) if version else None
        facts["date"] = pd.to_datetime(facts["date"])
        for col in ("region", "channel", "metric"):
            facts[col] = facts[col].astype(str)
        data = KpiData(facts=facts, targets=targets, version=version, loaded_at=loaded)
        self._cache[workspace] = data
        return data

    # -- imports -------------------------------------------------------------------------------
    def plan_import(
        self,
        facts: pd.DataFrame | None,
        targets: pd.DataFrame | None,
        *,
        workspace: str,
        mode: Mode = "upsert",
    ) -> ImportPlan:
        """What importing these validated frames would change, without writing anything."""
        with self.sessions() as s:
            plans = self._plans(s, workspace, facts, targets, mode)
        return ImportPlan(mode=mode, **_describe(plans))

    def import_frames(
        self,
        facts: pd.DataFrame | None,
        targets: pd.DataFrame | None,
        *,
        workspace: str,
        source: str,
        mode: Mode = "upsert",
        replace: bool = False,
        username: str = "",
        details: dict[str, Any] | None = None,
        checked: bool = False,
    ) -> ImportResult:
        """Validate, then write in one transaction: a bad file changes nothing.

        `mode` is "upsert" (a stored key takes the new value; the default), "replace_periods"
        (also remove the stored rows of the dates and target periods the file covers that it no
        longer holds) or "replace_all" (the file becomes the workspace's facts and/or targets;
        `replace=True` says the same). `details` (the layout read, the sheets) go into the history.
        `checked` frames have been through `validate_facts` / `validate_targets` already.
        """
        mode = "replace_all" if replace else mode
        f = facts if checked or facts is None else validate_facts(facts, what=source)
        t = targets if checked or targets is None else validate_targets(targets, what=source)
        with self.sessions.begin() as s:
            ds = self._open(s, workspace, kind="import", source=source, username=username)
            plans = self._plans(s, workspace, f, t, mode)
            for plan in plans.values():
                self._apply(s, workspace, ds.id, plan)
            described = _describe(plans)
            ds.facts, ds.targets = (0 if f is None else len(f)), (0 if t is None else len(t))
            ds.summary = {"mode": mode, **described, **(details or {})}
            return ImportResult(
                dataset_version=ds.id,
                kind="import",
                mode=mode,
                facts=ds.facts,
                targets=ds.targets,
                **described,
            )

    def edit_targets(
        self,
        upserts: pd.DataFrame | None,
        removals: pd.DataFrame | None,
        *,
        workspace: str,
        username: str = "",
    ) -> ImportResult:
        """Targets set or deleted by hand (the data page's table): one audited, revertible change."""
        t = validate_targets(upserts, what="targets") if upserts is not None and not upserts.empty else None
        gone = validate_targets(removals.assign(target=0), what="targets") if removals is not None else None
        if t is None and (gone is None or gone.empty):
            raise NotFound("nothing to change: give targets to set or to delete")
        if t is not None:
            incoming = t
        else:
            assert gone is not None  # refused above when both are missing
            incoming = gone.iloc[0:0]
        with self.sessions.begin() as s:
            ds = self._open(s, workspace, kind="edit", source="targets edited", username=username)
            stored = self._stored(s, "target", workspace, _as_rows("target", pd.concat([incoming, gone])))
            plan = plan_changes(stored, _as_rows("target", incoming), kind="target", remove=gone)
            self._apply(s, workspace, ds.id, plan)
            described = _describe({"target": plan})
            ds.targets = len(incoming) + (0 if gone is None else len(gone))
            ds.summary = {"mode": "edit", **described}
            return ImportResult(
                dataset_version=ds.id, kind="edit", mode="edit", facts=0, targets=ds.targets, **described
            )

    def history(self, workspace: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The workspace's changes, latest first."""
        with self.sessions() as s:
            rows = s.scalars(
                select(Dataset).where(Dataset.workspace == workspace).order_by(Dataset.id.desc()).limit(limit)
            ).all()
        return [_history_row(d) for d in rows]

    def revert(self, workspace: str, dataset_id: int, *, username: str = "") -> ImportResult:
        """Undo one import or edit: the rows it added go, the values it overwrote or removed come
        back exactly. Refused while a later change still builds on what it wrote."""
        with self.sessions.begin() as s:
            ds = self._open(s, workspace, kind="revert", source=f"revert of #{dataset_id}", username=username)
            target = s.get(Dataset, dataset_id)
            if target is None or target.workspace != workspace:
                raise NotFound(f"no import #{dataset_id} in workspace {workspace!r}")
            if target.kind not in ("import", "edit"):
                raise Conflict(
                    f"#{dataset_id} cannot be reverted: "
                    + (
                        "it is itself a revert"
                        if target.kind == "revert"
                        else "it was imported before history was kept"
                    )
                )
            if target.reverted_by:
                raise Conflict(f"#{dataset_id} was already reverted by #{target.reverted_by}")
            self._check_revertible(s, workspace, dataset_id)
            counts = {k: self._undo(s, workspace, dataset_id, k) for k in ("fact", "target")}
            target.reverted_by = ds.id
            ds.reverts = dataset_id
            summary = {
                "changes": {f"{k}s": c for k, c in counts.items()},
                "dates": (target.summary or {}).get("dates", _empty_scopes()),
                "periods": (target.summary or {}).get("periods", _empty_scopes()),
            }
            ds.summary = {"mode": "revert", **summary}
            return ImportResult(
                dataset_version=ds.id, kind="revert", mode="revert", facts=0, targets=0, **summary
            )

    # -- internals -----------------------------------------------------------------------------
    def _open(self, s: Session, workspace: str, *, kind: str, source: str, username: str) -> Dataset:
        """Start a change: take the workspace's write lock, then add its Dataset row.

        Changes to one workspace run one at a time, so the stored rows an import compares against
        are the ones it overwrites. PostgreSQL: a transaction-scoped advisory lock; SQLite: the
        INSERT takes the database's write lock before anything is read."""
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(workspace.encode())})
        ds = Dataset(workspace=workspace, source=source[:200], kind=kind, username=username[:64])
        s.add(ds)
        s.flush()
        return ds

    def _plans(
        self,
        s: Session,
        workspace: str,
        facts: pd.DataFrame | None,
        targets: pd.DataFrame | None,
        mode: Mode,
    ) -> dict[Kind, ChangePlan]:
        plans: dict[Kind, ChangePlan] = {}
        frames: tuple[tuple[Kind, pd.DataFrame | None], ...] = (("fact", facts), ("target", targets))
        for kind, frame in frames:
            if frame is None:
                continue
            rows = _as_rows(kind, frame)
            stored = self._stored(s, kind, workspace, rows, everything=mode == "replace_all")
            plans[kind] = plan_changes(stored, rows, kind=kind, mode=mode)
        return plans

    def _stored(
        self, s: Session, kind: Kind, workspace: str, rows: pd.DataFrame, *, everything: bool = False
    ) -> pd.DataFrame:
        """The stored rows an import of `rows` can touch: those of the dates (or target periods)
        the rows are for, or all of them."""
        model = _MODELS[kind]
        value = getattr(model, _VALUE[kind]).label("value")
        columns = [getattr(model, k) for k in KEYS[kind]]
        query = select(model.id, *columns, value, model.dataset_id).where(model.workspace == workspace)
        if not everything:
            if rows.empty:
                return pd.DataFrame(columns=["id", *KEYS[kind], "value", "dataset_id"])
            if kind == "fact":
                assert model is KpiFact
                query = query.where(model.date >= rows["date"].min().to_pydatetime()).where(
                    model.date <= rows["date"].max().to_pydatetime()
                )
            else:
                assert model is KpiTarget
                query = query.where(model.period.in_(sorted(rows["period"].unique())))
        stored = _read(query, s.connection())
        if kind == "fact":
            stored["date"] = pd.to_datetime(stored["date"])
        for col in ("region", "channel", "metric"):
            stored[col] = stored[col].astype(str)
        stored["dataset_id"] = stored["dataset_id"].astype("Int64")
        return stored

    def _apply(self, s: Session, workspace: str, dataset_id: int, plan: ChangePlan) -> None:
        kind = plan.kind
        model = _MODELS[kind]
        table: Table = model.__table__  # type: ignore[assignment]
        if not plan.removed.empty:
            for ids in _chunks([int(i) for i in plan.removed["id"]]):
                s.execute(delete(model).where(model.id.in_(ids)))
        write = plan.write
        if not write.empty:
            value = _VALUE[kind]
            columns = {
                "workspace": workspace,
                **{k: write[k] for k in KEYS[kind]},
                value: write["value"].astype(float),
                "dataset_id": dataset_id,
            }
            keys = ", ".join(["workspace", *KEYS[kind]])
            _executemany(
                s,
                table,
                columns,
                f"ON CONFLICT ({keys}) DO UPDATE SET {value} = excluded.{value}, dataset_id = excluded.dataset_id",
            )
        for action, frame in (("update", plan.updated), ("remove", plan.removed)):
            if frame.empty:
                continue
            updated = action == "update"
            _executemany(
                s,
                KpiChange.__table__,  # type: ignore[arg-type]
                {
                    "dataset_id": dataset_id,
                    "kind": kind,
                    "action": action,
                    "row_id": frame["id"].astype(int) if updated else None,
                    **{k: frame[k] for k in KEYS[kind]},
                    "old_value": frame["old_value"].astype(float),
                    "new_value": frame["value"].astype(float) if updated else None,
                    "old_dataset": frame["old_dataset"],
                },
            )

    def _check_revertible(self, s: Session, workspace: str, dataset_id: int) -> None:
        later: list[Row[int | None, int]] = list(
            s.execute(
                select(KpiChange.dataset_id, func.count())
                .join(Dataset, Dataset.id == KpiChange.dataset_id)
                .where(KpiChange.old_dataset == dataset_id, Dataset.reverted_by.is_(None))
                .group_by(KpiChange.dataset_id)
            ).all()
        )
        for kind in ("fact", "target"):
            model = _MODELS[kind]
            keys = KEYS[kind]
            back = (
                select(model.dataset_id, func.count())
                .join(
                    KpiChange,
                    (KpiChange.dataset_id == dataset_id)
                    & (KpiChange.kind == kind)
                    & (KpiChange.action == "remove")
                    & (model.workspace == workspace)
                    & _same_key(model, keys),
                )
                .group_by(model.dataset_id)
            )
            later += s.execute(back).all()
        if later:
            names = ", ".join(f"#{d} ({n} rows)" for d, n in sorted(later))
            raise Conflict(
                f"#{dataset_id} cannot be reverted: later changes build on what it wrote: {names}; "
                "revert those first"
            )

    def _undo(self, s: Session, workspace: str, dataset_id: int, kind: Kind) -> dict[str, int]:
        model = _MODELS[kind]
        table: Table = model.__table__  # type: ignore[assignment]
        value = _VALUE[kind]
        entries = (
            s.execute(select(KpiChange).where(KpiChange.dataset_id == dataset_id, KpiChange.kind == kind))
            .scalars()
            .all()
        )
        updated = [e for e in entries if e.action == "update"]
        removed = [e for e in entries if e.action == "remove"]
        deleted = s.execute(
            delete(model).where(
                model.workspace == workspace,
                model.dataset_id == dataset_id,
                model.id.not_in(
                    select(KpiChange.row_id).where(
                        KpiChange.dataset_id == dataset_id,
                        KpiChange.kind == kind,
                        KpiChange.action == "update",
                    )
                ),
            )
        )
        added = cast("CursorResult[Any]", deleted).rowcount  # a DML result; the stubs say Result
        if updated:
            s.execute(
                update(table)
                .where(table.c.id == bindparam("row"))
                .values({value: bindparam("old"), "dataset_id": bindparam("old_ds")}),
                [{"row": e.row_id, "old": e.old_value, "old_ds": e.old_dataset} for e in updated],
            )
        if removed:
            rows = [
                {
                    "workspace": workspace,
                    **{k: getattr(e, k) for k in KEYS[kind]},
                    value: e.old_value,
                    "dataset_id": e.old_dataset,
                }
                for e in removed
            ]
            for chunk in _chunks(rows):
                s.execute(table.insert(), chunk)
        return {"added": len(removed), "updated": len(updated), "removed": int(added or 0), "unchanged": 0}

    def ensure_demo(self, workspace: str = DEMO_WORKSPACE) -> bool:
        """Load the demo company into an empty workspace. Returns True when it loaded."""
        if self.version(workspace):
            return False
        from tools.demo_data import generate

        facts, targets = generate()
        self.import_frames(
            facts.assign(date=facts["date"].dt.strftime("%Y-%m-%d")),
            targets,
            workspace=workspace,
            source="demo company (tools/demo_data.py)",
        )
        return True


READ_CHUNK = 50_000  # rows fetched at a time


def _read(query: Any, bind: Any) -> pd.DataFrame:
    """A query's rows as a frame, fetched in chunks: one fetchall of three million rows holds the
    GIL for seconds, and every other request of this worker (the health check, a chat stream)
    would wait that long."""
    chunks = list(pd.read_sql(query, bind, chunksize=READ_CHUNK))
    if not chunks:
        return pd.DataFrame(columns=[c.name for c in query.selected_columns])
    if len(chunks) == 1:
        return chunks[0]
    return pd.concat(chunks, ignore_index=True)


def _same_key(model: type[KpiFact] | type[KpiTarget], keys: list[str]) -> Any:
    return and_(*(getattr(model, k) == getattr(KpiChange, k) for k in keys))


def _as_rows(kind: Kind, frame: pd.DataFrame) -> pd.DataFrame:
    """A validated facts or targets frame as key columns and `value`."""
    rows = frame.rename(columns={"target": "value"})[[*KEYS[kind], "value"]].copy()
    for col in KEYS[kind]:
        if col != "date":
            rows[col] = rows[col].astype(str)
    return rows


def _executemany(s: Session, table: Table, columns: dict[str, Any], suffix: str = "") -> None:
    """One INSERT for many rows, in chunks, straight through the driver (SQLAlchemy's per-row
    parameter handling costs more than the database on 500,000 rows). `columns` maps each column
    to a Series or one value for every row. Values go through each column type's own bind
    processing (SQLite keeps a DateTime as SQLAlchemy's text), so rows written here and through
    the ORM compare equal."""
    dialect = s.get_bind().dialect
    n = next(len(v) for v in columns.values() if isinstance(v, pd.Series))
    series = []
    for name, values in columns.items():
        column = values if isinstance(values, pd.Series) else pd.Series([values] * n)
        process = table.c[name].type._cached_bind_processor(dialect) or (lambda v: v)
        if pd.api.types.is_datetime64_any_dtype(column):  # a few distinct dates on many rows
            distinct = {d: process(pd.Timestamp(d).to_pydatetime()) for d in pd.unique(column)}
            series.append(column.map(distinct).tolist())
            continue
        series.append(column.astype(object).where(column.notna(), None).tolist())
    names = ", ".join(columns)
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(columns))
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks}) {suffix}"
    rows = list(zip(*series, strict=True))
    for chunk in _chunks(rows, 50_000):
        s.connection().exec_driver_sql(sql, chunk)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _describe(plans: dict[Kind, ChangePlan]) -> dict[str, Any]:
    facts, targets = plans.get("fact"), plans.get("target")
    return {
        "changes": {
            "facts": facts.counts() if facts else _empty_counts(),
            "targets": targets.counts() if targets else _empty_counts(),
        },
        "dates": facts.scopes() if facts else _empty_scopes(),
        "periods": targets.scopes() if targets else _empty_scopes(),
    }


def _history_row(d: Dataset) -> dict[str, Any]:
    summary = d.summary or {}
    return {
        "id": d.id,
        "kind": d.kind,
        "source": d.source,
        "username": d.username,
        "created_at": d.created_at.isoformat() if d.created_at else None,
        "facts": d.facts,
        "targets": d.targets,
        "mode": summary.get("mode"),
        "changes": summary.get("changes"),
        "dates": summary.get("dates"),
        "periods": summary.get("periods"),
        "reverts": d.reverts,
        "reverted_by": d.reverted_by,
        "revertible": d.kind in ("import", "edit") and d.reverted_by is None,
    }
