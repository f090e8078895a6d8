"""Fitted marketing-mix models in the database: one per state of a workspace's facts.

A fit is claimed by inserting its row (unique per workspace and facts digest), so of several
workers that see the same new data one fits it; the claim carries a lease the runner renews with
its progress, and a running row whose lease lapsed (the worker died) is taken over. Readers get
the newest ready fit, with whether it matches the current facts, and the progress of one running.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, sessionmaker

from assistant.db import MixFit
from tools.mmm import MixModel

LEASE = timedelta(minutes=5)


class Fitted(BaseModel):
    """The models of one fit: revenue, and conversions where the data has them."""

    revenue: MixModel
    conversions: MixModel | None = None
    data_version: int = 0
    facts_digest: str = ""


class FitStatus(BaseModel):
    """Where a workspace's model stands, for the data page and `planner model status`."""

    workspace: str
    state: Literal["none", "running", "ready", "stale", "failed"]
    # ready: a fit of the current facts; stale: the newest fit is of older facts (a new one may run)
    progress: float | None = None  # of the running fit
    message: str = ""
    data_version: int | None = None  # of the newest ready fit
    fitted_at: str | None = None
    seconds: float | None = None
    fit_mape: float | None = None
    error: str | None = None


def facts_digest(facts: pd.DataFrame) -> str:
    """A digest of the facts' content (not of their row order): the key a fit is cached by."""
    if facts.empty:
        return "empty"
    ordered = facts.sort_values(["date", "region", "channel", "metric"]).reset_index(drop=True)
    value = int(pd.util.hash_pandas_object(ordered, index=False).sum()) & (2**64 - 1)
    return f"{value:016x}-{len(ordered)}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)  # SQLite returns naive datetimes


class MixStore:
    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions
        self._cache: dict[int, Fitted] = {}

    def claim(self, workspace: str, digest: str, version: int) -> int | None:
        """Start a fit of these facts: its row id, or None when one is ready or running."""
        with self.sessions() as s:
            row = s.scalar(select(MixFit).where(MixFit.workspace == workspace, MixFit.facts_digest == digest))
            if row is None:
                row = MixFit(
                    workspace=workspace, facts_digest=digest, data_version=version, lease_until=_now() + LEASE
                )
                s.add(row)
                try:
                    s.commit()
                except IntegrityError:  # another worker claimed it first
                    return None
                return row.id
            if row.status == "ready" or (row.status == "running" and _aware(row.lease_until) > _now()):
                return None
            taken = s.execute(  # failed, or running with a lapsed lease: take it over, once
                update(MixFit)
                .where(MixFit.id == row.id, MixFit.lease_until == row.lease_until)
                .values(
                    status="running", progress=0.0, error=None, started_at=_now(), lease_until=_now() + LEASE
                )
            )
            s.commit()
            return row.id if taken.rowcount else None  # type: ignore[attr-defined, unused-ignore]

    def progress(self, fit_id: int, fraction: float, message: str) -> None:
        with self.sessions() as s:
            s.execute(
                update(MixFit)
                .where(MixFit.id == fit_id)
                .values(progress=round(fraction, 3), message=message[:200], lease_until=_now() + LEASE)
            )
            s.commit()

    def finish(self, fit_id: int, fitted: Fitted, seconds: float) -> None:
        with self.sessions() as s:
            s.execute(
                update(MixFit)
                .where(MixFit.id == fit_id)
                .values(
                    status="ready",
                    progress=1.0,
                    message="",
                    model=fitted.model_dump_json(),
                    finished_at=_now(),
                    seconds=round(seconds, 2),
                )
            )
            s.commit()

    def fail(self, fit_id: int, error: str) -> None:
        with self.sessions() as s:
            s.execute(
                update(MixFit)
                .where(MixFit.id == fit_id)
                .values(status="failed", error=error[:500], finished_at=_now(), lease_until=_now())
            )
            s.commit()

    def latest(self, workspace: str, digest: str | None = None) -> Fitted | None:
        """The ready fit of these facts (`digest`), else the newest ready fit of the workspace
        (read from the database once per fit: the query that finds it does not carry the model).
        Facts reverted to an earlier state get that state's fit back."""
        ready = select(MixFit.id).where(MixFit.workspace == workspace, MixFit.status == "ready")
        with self.sessions() as s:
            fit_id = (
                s.scalar(ready.where(MixFit.facts_digest == digest)) if digest is not None else None
            ) or s.scalar(ready.order_by(MixFit.id.desc()).limit(1))
            if fit_id is None:
                return None
            if fit_id not in self._cache:
                text = s.scalar(select(MixFit.model).where(MixFit.id == fit_id))
                if text is None:
                    return None
                if len(self._cache) >= 16:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[fit_id] = Fitted.model_validate_json(text)
        return self._cache[fit_id]

    def status(self, workspace: str, digest: str) -> FitStatus:
        """Where the fit of these facts stands, with the fit answers use meanwhile (this one when
        ready, else the newest ready one)."""
        with self.sessions() as s:
            rows = s.scalars(  # the fits' states, not their models (100 KB each)
                select(MixFit)
                .options(defer(MixFit.model))
                .where(MixFit.workspace == workspace)
                .order_by(MixFit.id.desc())
                .limit(20)
            ).all()
        current = next((r for r in rows if r.facts_digest == digest), None)
        ready = next((r for r in rows if r.status == "ready"), None)
        used = current if current is not None and current.status == "ready" else ready
        state: Literal["none", "running", "ready", "stale", "failed"]
        if used is current and current is not None:
            state = "ready"
        elif current is not None and current.status == "running" and _aware(current.lease_until) > _now():
            state = "running"
        elif current is not None and current.status == "failed":
            state = "failed"
        else:
            state = "stale" if ready else "none"
        fitted = self.latest(workspace, digest) if used else None
        return FitStatus(
            workspace=workspace,
            state=state,
            progress=current.progress if state == "running" and current else None,
            message=current.message if state == "running" and current else "",
            error=current.error if state == "failed" and current else None,
            data_version=used.data_version if used else None,
            fitted_at=used.finished_at.isoformat(timespec="seconds") if used and used.finished_at else None,
            seconds=used.seconds if used else None,
            fit_mape=fitted.revenue.fit_mape if fitted else None,
        )
