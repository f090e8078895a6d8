"""The workspace context: a workspace's data, profile and vocabulary, read once per request.

Regions, channels, metrics, the data window and the budget come from here and nowhere else, so a
department whose regions are 华北/华东/华南 gets answers, drafts and dashboards about those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from assistant.kpi_store import KpiData
from assistant.mix_store import Fitted
from assistant.workspaces import WorkspaceProfile
from tools.errors import DataError, InvalidArgument
from tools.kpi import Coverage, coverage
from tools.metrics import METRICS
from tools.periods import DataWindow, Period, parse_period
from tools.policy import Policy

if TYPE_CHECKING:
    from assistant.services import Services


@dataclass(frozen=True)
class WorkspaceContext:
    name: str
    data: KpiData
    profile: WorkspaceProfile
    threshold: float  # the deviation rule ("adjust past 10%")
    today: date | None = None  # what "the future" is measured from (None: the system date)
    mix: Fitted | None = None  # the newest fitted mix model, of these facts or older ones
    window: DataWindow | None = field(init=False)
    regions: tuple[str, ...] = field(init=False)
    channels: tuple[str, ...] = field(init=False)
    metrics: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        shape = self.data.shape  # computed once per data set version, not per request
        for name in ("window", "regions", "channels", "metrics"):
            object.__setattr__(self, name, getattr(shape, name))

    # -- convenience --------------------------------------------------------------------------
    @property
    def mix_state(self) -> str:
        """ready (a fit of these facts), stale (of older facts: a new one is on its way) or none."""
        if self.mix is None:
            return "none"
        return "ready" if self.mix.facts_digest == self.data.facts_digest else "stale"

    @property
    def facts(self) -> pd.DataFrame:
        return self.data.facts

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Entered targets, the sums of their parts (`tools.targets.roll_up`) and the workspace's
        red lines (period "", basis "red_line": the target of any period that has none)."""
        lines = self.profile.policy.red_lines
        if not lines:
            return self.data.resolved_targets
        rows = pd.DataFrame(
            [("", r.metric, r.value, r.region, r.channel, "red_line") for r in lines],
            columns=["period", "metric", "target", "region", "channel", "basis"],
        )
        return pd.concat([self.data.resolved_targets, rows], ignore_index=True)

    @property
    def policy(self) -> Policy:
        return self.profile.policy

    @property
    def currency(self) -> str:
        return self.profile.currency or "元"

    def require_data(self) -> DataWindow:
        if self.window is None:
            raise DataError(
                f"workspace {self.name!r} has no KPI data yet: import facts and targets first "
                "(planner kpi import --workspace … or the Data tab)"
            )
        return self.window

    def period(self, label: str | None, default: str = "month") -> Period:
        """The period asked for, or the latest complete month/quarter of the data."""
        if label:
            return parse_period(label)
        window = self.require_data()
        return window.latest_quarter if default == "quarter" else window.latest_month

    def answerable(self, period: Period) -> tuple[Period, Coverage | None]:
        """The period to report on for `period`, and why it differs when the data does not reach
        it: a month after the data's last week gets the latest complete month (and the answer
        says so); a month before the data starts stays as asked, with nothing in it."""
        found = coverage(self.window, period, today=pd.Timestamp(self.today or date.today()))
        if found is None or found.answered is None:
            return period, found
        return parse_period(found.answered), found

    def check_scope(self, *, region: str | None = None, channel: str | None = None) -> None:
        """A region or channel the workspace does not have is an error that lists the ones it has."""
        for what, value, known in (("region", region, self.regions), ("channel", channel, self.channels)):
            if value and value not in known:
                listed = "、".join(known) if known else "none"
                raise InvalidArgument(
                    f"workspace {self.name!r} has no {what} {value!r}; its {what}s are: {listed}"
                )

    def check_metric(self, metric: str) -> None:
        key = metric.lower()
        if key in METRICS and self.metrics and key not in self.metrics:
            raise DataError(
                f"workspace {self.name!r} has no data for {key}; its metrics are: {', '.join(self.metrics)}"
            )

    def describe(self) -> dict[str, Any]:
        """What the workspace knows about itself, for the API, the prompt and the UI."""
        return {
            "name": self.name,
            "profile": self.profile.model_dump(mode="json"),
            "regions": list(self.regions),
            "channels": list(self.channels),
            "metrics": list(self.metrics),
            "window": self.window.as_dict() if self.window else None,
            "dataset_version": self.data.version,
            "threshold_pct": self.threshold * 100,
        }


def workspace_context(services: Services, workspace: str) -> WorkspaceContext:
    """The workspace as it is now; a fit of facts that have none yet is started in the background."""
    profile = services.profiles.get(workspace)
    data = services.kpis.load(workspace)
    mix = services.mixes.latest(workspace, data.facts_digest)
    if not data.facts.empty and (mix is None or mix.facts_digest != data.facts_digest):
        from assistant.usecases import mixmodel

        mixmodel.schedule(services, workspace, data.facts_digest)
    return WorkspaceContext(
        name=workspace,
        data=data,
        profile=profile,
        threshold=profile.policy.threshold or services.settings.deviation_threshold,
        today=services.settings.today,
        mix=mix,
    )


def from_frames(
    facts: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    *,
    name: str = "file",
    threshold: float = 0.10,
    profile: WorkspaceProfile | None = None,
) -> WorkspaceContext:
    """A context over ad-hoc data (the CLI's --facts/--targets files), run by the same use cases."""
    targets = (
        targets
        if targets is not None
        else pd.DataFrame(columns=["period", "metric", "target", "region", "channel"])
    )
    return WorkspaceContext(
        name=name,
        data=KpiData(facts=facts, targets=targets, version=0, loaded_at=None),
        profile=profile or WorkspaceProfile(name=name),
        threshold=threshold,
    )


def from_files(facts: Path, targets: Path | None = None, *, threshold: float = 0.10) -> WorkspaceContext:
    """A context over a facts file and a targets file (CSV/XLSX, long layout)."""
    from tools.kpi_data import load_facts, load_targets

    return from_frames(
        load_facts(facts), load_targets(targets) if targets else None, name=facts.name, threshold=threshold
    )


def with_targets_file(ctx: WorkspaceContext, targets: Path) -> WorkspaceContext:
    """The workspace's data with the targets of a file instead of its own (a what-if on targets)."""
    from dataclasses import replace

    from tools.kpi_data import load_targets

    return replace(ctx, data=replace(ctx.data, targets=load_targets(targets)))
