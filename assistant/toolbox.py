"""The agent's tools, once: plain typed functions over the turn's dependencies.

Each takes a `TurnDeps` (the workspace, who asks, where this call's citation numbers start) and
typed arguments, and returns (content, artifact): the content is compact JSON the model reads; the
artifact keeps the full structured result plus provenance (tool, inputs, data set version, time)
for the API, the UI and the number audit. The signature and the Google-style docstring are the
schema: `Metric`, `Region` and `Channel` become enums of the workspace's own values when a host
adapts the tools (`assistant/agent_tools.py` for LangChain and MCP); periods have a pattern, counts
have bounds. The rules themselves are the use cases'.

(No `from __future__ import annotations` here: hosts read the annotations as objects.)
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any, Literal, NewType

from pydantic import Field

from assistant.kb.quoting import flag_passages, passages_text
from assistant.presentation import excerpt
from assistant.services import Services
from assistant.usecases import WorkspaceContext, budgets, diagnosis, forecasts, kpis, workspace_context

# the workspace's own values: a host turns each into an enum of them
Metric = NewType("Metric", str)
Region = NewType("Region", str)
Channel = NewType("Channel", str)
PERIOD = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2])|-W\d{1,2})?$"
Period = Annotated[str, Field(pattern=PERIOD)]
Out = tuple[str, dict[str, Any]]


@dataclass
class TurnDeps:
    """What a tool call needs beyond its arguments: the services, the workspace, who asks (a
    draft's author: the use case checks the role) and where its citation numbers start (they run
    on across a conversation: the host counts them)."""

    services: Services
    workspace: str
    user_id: int | None = None
    citation_start: int = 0

    @cached_property
    def ctx(self) -> WorkspaceContext:
        return workspace_context(self.services, self.workspace)


def _dump(obj: Any) -> str:
    """What the model reads of a result: compact JSON without empty fields."""
    return json.dumps(_drop_empty(obj), ensure_ascii=False, default=str, separators=(",", ":"))


def _drop_empty(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_empty(v) for k, v in obj.items() if v not in (None, [], {}, "")}
    if isinstance(obj, list):
        return [_drop_empty(v) for v in obj]
    return obj


def provenance(ctx: WorkspaceContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "tool": name,
        "inputs": inputs,
        "dataset_version": ctx.data.version,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def search_knowledge(
    deps: TurnDeps,
    query: Annotated[str, Field(min_length=1, max_length=500)],
    k: Annotated[int, Field(ge=1, le=10)] = 5,
    type: Literal["playbook", "case", "policy"] | None = None,
) -> Out:
    """Search the planning knowledge base (playbooks, case studies, policies) for passages.

    Cite the passages you use as [n] with the numbers given here.

    Args:
        query: what to look for, in Chinese or English.
        k: how many passages to return (1-10).
        type: only this kind of document.
    """
    k = max(1, min(int(k or 5), 10))
    offset = deps.citation_start
    passages = flag_passages(
        [
            p.as_dict() | {"n": offset + i + 1}
            for i, p in enumerate(deps.services.index.search(query, k=k, type=type, workspace=deps.workspace))
        ]
    )
    return passages_text(passages), {
        "passages": passages,
        "provenance": {"tool": "search_knowledge", "inputs": {"query": query, "k": k, "type": type}},
    }


def kpi_lookup(
    deps: TurnDeps,
    metric: Metric,
    period: Period | None = None,
    region: Region | None = None,
    channel: Channel | None = None,
    compare: str | float | None = None,
) -> Out:
    """Look up a KPI's actual value for a period and slice, against a comparison base.

    Returns actual, target, deviation in percent, status (on_track, watch, off_target when the
    adverse deviation passes the 10% rule), the comparison asked for (its base on the same days
    as the actual, change and change in percent), whether the period is partial, and the trend.

    Args:
        metric: metric key, e.g. cac, roi, revenue, conversions, cpc, cvr, ctr, aov, repurchase_rate.
        period: 2026, 2026-Q3, 2026-09 or 2026-W37; default the latest complete month.
        region: one of the workspace's regions; omit for all regions.
        channel: one of the workspace's channels; omit for all channels.
        compare: target (default), previous (the period before), year_earlier (same period a
            year before), or a number the planner named, e.g. "120".
    """
    ctx = deps.ctx
    base = kpis.parse_compare(compare)
    result = kpis.lookup(ctx, metric=metric, period=period, region=region, channel=channel, compare=base)
    out = result.model_dump()
    inputs = {
        "metric": metric,
        "period": result.period,
        "region": region,
        "channel": channel,
        "compare": base,
    }
    return _dump(out), {"result": out, "provenance": provenance(ctx, "kpi_lookup", inputs)}


def kpi_rank(
    deps: TurnDeps,
    metric: Metric,
    by: Literal["region", "channel"],
    period: Period | None = None,
    region: Region | None = None,
    channel: Channel | None = None,
    order: Literal["desc", "asc"] | None = None,
    sort: Literal["value", "completion"] | None = None,
) -> Out:
    """Rank the workspace's regions or channels by a KPI in a period, each with its target.

    Args:
        metric: metric key, e.g. cac, roi, revenue, cvr.
        by: region or channel.
        period: 2026-Q3, 2026-09 …; default the latest complete month.
        region: rank channels inside this region.
        channel: rank regions inside this channel.
        order: desc (highest first) or asc (lowest first); default best first.
        sort: completion to rank by the share of the target reached; default the KPI's value.
    """
    ctx = deps.ctx
    result = kpis.rank(
        ctx,
        metric=metric,
        by=by,
        period=period,
        region=region,
        channel=channel,
        order=order,
        sort=sort or "value",
    )
    out = result.model_dump()
    inputs = {"metric": metric, "by": by, "period": result.period, "region": region, "channel": channel}
    return _dump(out), {"result": out, "provenance": provenance(ctx, "kpi_rank", inputs)}


def kpi_diagnose(
    deps: TurnDeps,
    metric: Metric,
    period: Period | None = None,
    region: Region | None = None,
    channel: Channel | None = None,
    lang: Literal["zh", "en"] = "zh",
) -> Out:
    """Explain why a KPI is off target: the regions, channels and region×channel cells that drive the gap, strongest first.

    For ratio metrics (CAC, ROI, CPC) each driver separates the rate effect from the mix
    effect and reports the component changes (e.g. CAC = CPC / CVR). Inside a region the
    drivers are its channels; inside a channel, its regions.

    Args:
        metric: metric key, e.g. cac, roi, revenue.
        period: 2026-Q3, 2026-09 …; default the latest complete quarter.
        region: explain this region only.
        channel: explain this channel only.
        lang: language of the narrative and driver details, zh or en.
    """
    ctx = deps.ctx
    result = diagnosis.diagnose(ctx, metric=metric, period=period, region=region, channel=channel, lang=lang)
    out = result.model_dump()
    slim = out | {
        "drivers": [
            {k: d[k] for k in ("dimension", "value", "share_of_gap", "detail")} for d in out["drivers"]
        ]
    }
    inputs = {"metric": metric, "period": result.period, "region": region, "channel": channel}
    return _dump(slim), {"result": out, "provenance": provenance(ctx, "kpi_diagnose", inputs)}


def forecast(
    deps: TurnDeps,
    metric: Metric,
    period: Period | None = None,
    horizon: Annotated[int | None, Field(ge=1, le=104)] = None,
    region: Region | None = None,
    channel: Channel | None = None,
) -> Out:
    """Forecast a KPI: the total (or a ratio's average) over a planning period with its 80% interval and base/stretch targets, or `horizon` steps ahead with a backtest.

    Args:
        metric: metric key, e.g. revenue, conversions, cac.
        period: the period to forecast, e.g. 2026-12, 2027-Q1 or 2027; default the next quarter.
        horizon: instead of a period, this many future steps (weeks for weekly data), 1-104.
        region: restrict to one of the workspace's regions.
        channel: restrict to one of the workspace's channels.
    """
    ctx = deps.ctx
    query = forecasts.ForecastQuery(
        metric=metric,
        period=period,
        horizon=max(1, min(int(horizon), forecasts.MAX_HORIZON)) if horizon else None,
        region=region,
        channel=channel,
    )
    result = forecasts.run(ctx, query)
    if isinstance(result, forecasts.Forecast):
        out = result.model_dump()
        slim = out | {"points": out["points"][:3] + out["points"][-1:]}
        inputs: dict[str, Any] = {
            "metric": metric,
            "horizon": query.horizon,
            "region": region,
            "channel": channel,
        }
        return _dump(slim), {"result": out, "provenance": provenance(ctx, "forecast", inputs)}
    out = result.model_dump()
    inputs = {"metric": metric, "period": result.period, "region": region, "channel": channel}
    return _dump(out), {"result": out, "provenance": provenance(ctx, "forecast", inputs)}


def budget_allocate(
    deps: TurnDeps,
    total: Annotated[float | None, Field(gt=0)] = None,
    period: Period | None = None,
    region: Region | None = None,
    channel: Channel | None = None,
    by: Literal["channel", "region"] = "channel",
) -> Out:
    """Allocate a marketing budget by the workspace's own rules (its budget structure, channel bounds and ROI rules, where it has set them), the channels' share split by marginal return on the workspace's marketing-mix model (with an 80% range and the comparison with last year's shares), with reallocations for channels whose ROI misses plan by more than 10%.

    Args:
        total: the budget in the workspace's currency; default the workspace's annual budget.
        period: the period the money is for, e.g. 2027-Q1 or 2026-12; reallocations are judged on the latest complete quarter of data.
        region: allocate for one of the workspace's regions (default amount: its share of the annual budget).
        channel: a budget for one of the workspace's channels, split across the regions.
        by: channel (default) or region: also split the total across the regions.
    """
    ctx = deps.ctx
    result = budgets.allocate(ctx, total=total, period=period, region=region, channel=channel, by=by)
    out = result.model_dump()
    slim = out | {
        "channels": [
            {k: c[k] for k in ("channel", "amount", "share_of_channels", "historical_roi", "expected_roi")}
            for c in out["channels"]
        ]
    }
    inputs = {"total": result.total, "period": result.period, "region": region}
    return _dump(slim), {"result": out, "provenance": provenance(ctx, "budget_allocate", inputs)}


def budget_scenario(
    deps: TurnDeps,
    action: Literal["cut", "raise", "move", "add", "set_total"],
    channel: Channel | None = None,
    to_channel: Channel | None = None,
    amount: Annotated[float | None, Field(gt=0)] = None,
    share: Annotated[float | None, Field(gt=0, le=1)] = None,
    period: Period | None = None,
    region: Region | None = None,
) -> Out:
    """What-if on a period's budget, by the workspace's marketing-mix model: cut or raise a channel, move money between two channels, add an amount (placed by marginal return unless a channel is named) or set the period's total. Returns the base spend of what changes, the predicted change in revenue (and conversions, ROI) with its 80% range, and whether the change leaves the spend the model has seen.

    Args:
        action: cut, raise, move (from channel to to_channel), add, or set_total.
        channel: the channel cut, raised or added to; for move, where the money comes from.
        to_channel: for move: where the money goes.
        amount: the amount in the workspace's currency (for set_total: the new total).
        share: instead of an amount, a share of the channel's budget (0.2 = 20%; for add: of the total).
        period: the period, e.g. 2027-Q1; default the quarter after the data's last week.
        region: one of the workspace's regions; default the whole company.
    """
    ctx = deps.ctx
    change = budgets.Change(action=action, channel=channel, to_channel=to_channel, amount=amount, share=share)
    result = budgets.scenario(ctx, [change], period=period, region=region)
    out = result.model_dump()
    inputs = {"changes": [change.model_dump(exclude_none=True)], "period": result.period, "region": region}
    return _dump(out), {"result": out, "provenance": provenance(ctx, "budget_scenario", inputs)}


def create_draft(
    deps: TurnDeps,
    kind: Literal["section", "regional", "adjustment"],
    section: Literal["goals", "market", "strategy", "budget", "monitoring", "responsibilities"] | None = None,
    region: Region | None = None,
    period: Period | None = None,
    lang: Literal["zh", "en"] = "zh",
    amount: Annotated[float | None, Field(gt=0)] = None,
) -> Out:
    """Draft a plan section, a regional strategy or an adjustment report from the KPI data and
    the knowledge base, and save it for review. Every number in it carries its provenance.

    Args:
        kind: section (one plan section), regional (strategy per region) or adjustment (report on deviations).
        section: for kind=section: goals, market, strategy, budget, monitoring or responsibilities.
        region: scope the draft to one of the workspace's regions.
        period: the plan or report period, e.g. 2027-Q1 or 2026-09.
        lang: zh or en.
        amount: the budget total in 元 for a budget section.
    """
    from assistant.usecases import drafts

    author = deps.services.accounts.principal(deps.user_id) if deps.user_id else None
    doc, stored = drafts.create_draft(
        deps.services,
        deps.ctx,
        kind=kind,
        section=section,
        scope={"region": region} if region else {},
        period=period,
        lang=lang,
        amount=amount,
        author=author,
    )
    offset = deps.citation_start
    passages = [
        {
            "n": offset + c.n,
            "doc_id": c.doc_id,
            "title": c.title,
            "chunk_id": c.chunk_id,
            "heading": c.heading,
            "text": c.text,
            "score": 0.0,
        }
        for c in doc.citations
    ]
    body = doc.markdown_body()
    for c in sorted(doc.citations, key=lambda c: -c.n):  # renumber after earlier citations in the turn
        body = body.replace(f"[{c.n}]", f"[{offset + c.n}]")
    content = _dump(
        {
            "draft_id": stored["id"],
            "title": stored["title"],
            "state": stored["state"],
            "audit": stored["audit"],
            # the sections and their opening lines: the draft itself is on the drafts page
            "summary": [
                {"section": sec.title, "opening": excerpt(sec.markdown(level=3).split("\n", 2)[-1], 160)}
                for sec in doc.sections
                if sec.id != "basis"
            ],
            "citations": [{"n": p["n"], "title": p["title"]} for p in passages],
        }
    )
    return content, {
        "draft": {
            "id": stored["id"],
            "title": stored["title"],
            "audit": stored["audit"],
            "state": stored["state"],
        },
        "markdown": body,
        "passages": passages,
    }


TOOLS = (
    search_knowledge,
    kpi_lookup,
    kpi_rank,
    kpi_diagnose,
    forecast,
    budget_allocate,
    budget_scenario,
    create_draft,
)
TOOL_NAMES = tuple(t.__name__ for t in TOOLS)
