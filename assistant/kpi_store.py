"""KPI facts and targets in the database, per workspace, with the demo company loaded on first run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db import Dataset, KpiFact, KpiTarget
from tools.kpi_data import FactsShape, facts_shape, validate_facts, validate_targets


@dataclass(frozen=True)
class KpiData:
    facts: pd.DataFrame
    targets: pd.DataFrame
    version: int  # the dataset id: tool provenance cites it
    loaded_at: datetime | None

    @cached_property
    def shape(self) -> FactsShape:
        """Window, regions, channels and metrics, derived once per loaded (cached) data set."""
        return facts_shape(self.facts)


class KpiStore:
    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions
        self._cache: dict[str, KpiData] = {}

    def version(self, workspace: str) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.max(Dataset.id)).where(Dataset.workspace == workspace)) or 0)

    def load(self, workspace: str = "default") -> KpiData:
        """Facts and targets of a workspace, cached until the next import."""
        version = self.version(workspace)
        cached = self._cache.get(workspace)
        if cached is not None and cached.version == version:
            return cached
        with self.sessions() as s:
            bind = s.get_bind()
            facts = pd.read_sql(
                select(KpiFact.date, KpiFact.region, KpiFact.channel, KpiFact.metric, KpiFact.value).where(
                    KpiFact.workspace == workspace
                ),
                bind,
            )
            targets = pd.read_sql(
                select(
                    KpiTarget.period, KpiTarget.metric, KpiTarget.target, KpiTarget.region, KpiTarget.channel
                ).where(KpiTarget.workspace == workspace),
                bind,
            )
            loaded = s.scalar(select(Dataset.created_at).where(Dataset.id == version)) if version else None
        facts["date"] = pd.to_datetime(facts["date"])
        for col in ("region", "channel", "metric"):
            facts[col] = facts[col].astype(str)
        data = KpiData(facts=facts, targets=targets, version=version, loaded_at=loaded)
        self._cache[workspace] = data
        return data

    def import_frames(
        self,
        facts: pd.DataFrame | None,
        targets: pd.DataFrame | None,
        *,
        workspace: str = "default",
        source: str,
        replace: bool = False,
    ) -> int:
        """Validate, then write in one transaction: a bad file imports nothing."""
        f = validate_facts(facts, what=source) if facts is not None else None
        t = validate_targets(targets, what=source) if targets is not None else None
        with self.sessions.begin() as s:
            if replace:
                self._clear(s, workspace, facts=f is not None, targets=t is not None)
            if f is not None and not f.empty:
                s.execute(
                    KpiFact.__table__.insert(),
                    [
                        {
                            "workspace": workspace,
                            "date": d.to_pydatetime(),
                            "region": r,
                            "channel": c,
                            "metric": m,
                            "value": float(v),
                        }
                        for d, r, c, m, v in f[["date", "region", "channel", "metric", "value"]].itertuples(
                            index=False
                        )
                    ],
                )
            if t is not None and not t.empty:
                s.execute(
                    KpiTarget.__table__.insert(),
                    [{"workspace": workspace, **row} for row in t.to_dict("records")],
                )
            ds = Dataset(
                workspace=workspace,
                source=source[:200],
                facts=0 if f is None else len(f),
                targets=0 if t is None else len(t),
            )
            s.add(ds)
            s.flush()
            return int(ds.id)

    @staticmethod
    def _clear(s: Session, workspace: str, *, facts: bool, targets: bool) -> None:
        if facts:
            s.execute(delete(KpiFact).where(KpiFact.workspace == workspace))
        if targets:
            s.execute(delete(KpiTarget).where(KpiTarget.workspace == workspace))

    def ensure_demo(self, workspace: str = "default") -> bool:
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
