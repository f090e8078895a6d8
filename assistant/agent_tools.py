"""Thin LangChain wrappers around the domain functions in `tools/` and the knowledge index.

Each tool returns (content, artifact): the content is compact JSON the model reads; the artifact
keeps the full structured result plus provenance (tool, inputs, data set version, time) for the
API, the UI and the number audit.

The schemas a model sees are typed from the workspace: `metric`, `region` and `channel` are enums
of its own metrics, regions and channels, periods have a pattern, counts have bounds, and each
argument's description comes from the Google-style docstring (`parse_docstring`). A value outside
the schema goes back to the model as a short error it can correct.

(No `from __future__ import annotations` here: the annotations are evaluated when the tools are
built, so they can name the workspace's own values.)
"""

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, ToolException, tool
from pydantic import Field, ValidationError

from assistant.errors import PlannerError
from assistant.kb.quoting import flag_passages, passages_text
from assistant.presentation import excerpt
from assistant.services import Services
from assistant.usecases import WorkspaceContext, budgets, diagnosis, forecasts, kpis, workspace_context

if TYPE_CHECKING:
    from pydantic.v1 import ValidationError as ValidationErrorV1


def _dump(obj: Any) -> str:
    """What the model reads of a result: compact JSON without empty fields."""
    return json.dumps(_drop_empty(obj), ensure_ascii=False, default=str, separators=(",", ":"))


def _drop_empty(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_empty(v) for k, v in obj.items() if v not in (None, [], {}, "")}
    if isinstance(obj, list):
        return [_drop_empty(v) for v in obj]
    return obj


def _citation_offset(runtime: ToolRuntime[Any] | None) -> int:
    """Where this call's citation numbers start, so that [n] is unique within a conversation.

    The turn starts after the numbers earlier turns used (`TurnContext.citation_base`); earlier
    steps of this turn count their actual passages; searches issued earlier in the same step (they
    run in parallel, so their results are not in yet) reserve their `k`.
    """
    if runtime is None:
        return 0
    n = getattr(runtime.context, "citation_base", 0) or 0
    messages = runtime.state.get("messages", [])
    for msg in reversed(messages):
        if isinstance(msg, HumanMessage):
            break
        if (
            isinstance(msg, ToolMessage)
            and msg.name in ("search_knowledge", "create_draft")
            and isinstance(msg.artifact, dict)
        ):
            n += len(msg.artifact.get("passages", []))
    step = next((m for m in reversed(messages) if isinstance(m, AIMessage) and m.tool_calls), None)
    if step is not None:
        for call in step.tool_calls:
            if call["id"] == runtime.tool_call_id:
                break
            if call["name"] == "search_knowledge":
                n += max(1, min(int(call["args"].get("k") or 5), 10))
    return n


@dataclass(frozen=True)
class TurnContext:
    """What a turn's tools and prompt need beyond the workspace: who is asking (a draft's author),
    where this turn's citation numbers start (they run on across a conversation), and the system
    prompt rendered for this turn."""

    user_id: int | None = None
    citation_base: int = 0
    system_prompt: str = ""


PERIOD = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2])|-W\d{1,2})?$"
Period = Annotated[str, Field(pattern=PERIOD)]


def _choice(values: tuple[str, ...]) -> Any:
    """An enum of the workspace's values (a plain string where it has none)."""
    return Literal[values] if values else str


def _invalid(error: "ValidationError | ValidationErrorV1") -> str:
    """A schema violation as the model should read it: which argument, what was given, what is allowed."""
    parts = []
    for e in error.errors():
        where = ".".join(str(x) for x in e["loc"])
        allowed = (e.get("ctx") or {}).get("expected")
        parts.append(
            f"{where}: {e.get('input')!r} is not allowed"
            + (f"; use one of {allowed}" if allowed else f" ({e['msg']})")
        )
    return "Error: " + "; ".join(parts) + ". Call the tool again with valid arguments."


TOOL_NAMES = (
    "search_knowledge",
    "kpi_lookup",
    "kpi_rank",
    "kpi_diagnose",
    "forecast",
    "budget_allocate",
    "create_draft",
)


def build_tools(services: Services, *, workspace: str) -> list[BaseTool]:
    def context() -> WorkspaceContext:
        return workspace_context(services, workspace)

    shape = context()
    if TYPE_CHECKING:  # the checker sees plain strings; the tools' schemas get the workspace's enums
        Metric: TypeAlias = str
        Region: TypeAlias = str
        Channel: TypeAlias = str
    else:
        Metric = _choice(shape.metrics)  # the types of this workspace
        Region = _choice(shape.regions)
        Channel = _choice(shape.channels)

    def provenance(ctx: WorkspaceContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "tool": name,
            "inputs": inputs,
            "dataset_version": ctx.data.version,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def search_knowledge(
        query: Annotated[str, Field(min_length=1, max_length=500)],
        k: Annotated[int, Field(ge=1, le=10)] = 5,
        type: Literal["playbook", "case", "policy"] | None = None,
        runtime: ToolRuntime[TurnContext] = None,  # type: ignore[assignment]
    ) -> tuple[str, dict]:
        """Search the planning knowledge base (playbooks, case studies, policies) for passages.

        Cite the passages you use as [n] with the numbers given here.

        Args:
            query: what to look for, in Chinese or English.
            k: how many passages to return (1-10).
            type: only this kind of document.
        """
        k = max(1, min(int(k or 5), 10))
        offset = _citation_offset(runtime)
        passages = flag_passages(
            [
                p.as_dict() | {"n": offset + i + 1}
                for i, p in enumerate(services.index.search(query, k=k, type=type, workspace=workspace))
            ]
        )
        return passages_text(passages), {
            "passages": passages,
            "provenance": {"tool": "search_knowledge", "inputs": {"query": query, "k": k, "type": type}},
        }

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def kpi_lookup(
        metric: Metric,
        period: Period | None = None,
        region: Region | None = None,
        channel: Channel | None = None,
        compare: str | float | None = None,
    ) -> tuple[str, dict]:
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
        ctx = context()
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

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def kpi_rank(
        metric: Metric,
        by: Literal["region", "channel"],
        period: Period | None = None,
        region: Region | None = None,
        channel: Channel | None = None,
        order: Literal["desc", "asc"] | None = None,
    ) -> tuple[str, dict]:
        """Rank the workspace's regions or channels by a KPI in a period, each with its target.

        Args:
            metric: metric key, e.g. cac, roi, revenue, cvr.
            by: region or channel.
            period: 2026-Q3, 2026-09 …; default the latest complete month.
            region: rank channels inside this region.
            channel: rank regions inside this channel.
            order: desc (highest first) or asc (lowest first); default best first.
        """
        ctx = context()
        result = kpis.rank(
            ctx, metric=metric, by=by, period=period, region=region, channel=channel, order=order
        )
        out = result.model_dump()
        inputs = {"metric": metric, "by": by, "period": result.period, "region": region, "channel": channel}
        return _dump(out), {"result": out, "provenance": provenance(ctx, "kpi_rank", inputs)}

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def kpi_diagnose(
        metric: Metric,
        period: Period | None = None,
        region: Region | None = None,
        channel: Channel | None = None,
        lang: Literal["zh", "en"] = "zh",
    ) -> tuple[str, dict]:
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
        ctx = context()
        result = diagnosis.diagnose(
            ctx, metric=metric, period=period, region=region, channel=channel, lang=lang
        )
        out = result.model_dump()
        slim = out | {
            "drivers": [
                {k: d[k] for k in ("dimension", "value", "share_of_gap", "detail")} for d in out["drivers"]
            ]
        }
        inputs = {"metric": metric, "period": result.period, "region": region, "channel": channel}
        return _dump(slim), {"result": out, "provenance": provenance(ctx, "kpi_diagnose", inputs)}

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def forecast(
        metric: Metric,
        period: Period | None = None,
        horizon: Annotated[int, Field(ge=1, le=104)] | None = None,
        region: Region | None = None,
        channel: Channel | None = None,
    ) -> tuple[str, dict]:
        """Forecast a KPI: the total (or a ratio's average) over a planning period with its 80% interval and base/stretch targets, or `horizon` steps ahead with a backtest.

        Args:
            metric: metric key, e.g. revenue, conversions, cac.
            period: the period to forecast, e.g. 2026-12, 2027-Q1 or 2027; default the next quarter.
            horizon: instead of a period, this many future steps (weeks for weekly data), 1-104.
            region: restrict to one of the workspace's regions.
            channel: restrict to one of the workspace's channels.
        """
        ctx = context()
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
        out = result.model_dump() | {"region": region, "channel": channel}
        inputs = {"metric": metric, "period": result.period, "region": region, "channel": channel}
        return _dump(out), {"result": out, "provenance": provenance(ctx, "forecast", inputs)}

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def budget_allocate(
        total: Annotated[float, Field(gt=0)] | None = None,
        period: Period | None = None,
        region: Region | None = None,
        channel: Channel | None = None,
        by: Literal["channel", "region"] = "channel",
    ) -> tuple[str, dict]:
        """Allocate a marketing budget: 40% technology / 30% content / 30% channels, and the channel share split by fitted response curves under ROI rules (floor 4, bonus above 6), with reallocations for channels whose ROI misses plan by more than 10%.

        Args:
            total: the budget in the workspace's currency; default the workspace's annual budget.
            period: the period the money is for, e.g. 2027-Q1 or 2026-12; reallocations are judged on the latest complete quarter of data.
            region: allocate for one of the workspace's regions (default amount: its share of the annual budget).
            channel: a budget for one of the workspace's channels, split across the regions.
            by: channel (default) or region: also split the total across the regions.
        """
        ctx = context()
        result = budgets.allocate(ctx, total=total, period=period, region=region, channel=channel, by=by)
        out = result.model_dump()
        slim = out | {
            "channels": [
                {
                    k: c[k]
                    for k in ("channel", "amount", "share_of_channels", "historical_roi", "expected_roi")
                }
                for c in out["channels"]
            ]
        }
        inputs = {"total": result.total, "period": result.period, "region": region}
        return _dump(slim), {"result": out, "provenance": provenance(ctx, "budget_allocate", inputs)}

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def create_draft(
        kind: Literal["section", "regional", "adjustment"],
        section: Literal["goals", "market", "strategy", "budget", "monitoring", "responsibilities"]
        | None = None,
        region: Region | None = None,
        period: Period | None = None,
        lang: Literal["zh", "en"] = "zh",
        amount: Annotated[float, Field(gt=0)] | None = None,
        runtime: ToolRuntime[TurnContext] = None,  # type: ignore[assignment]
    ) -> tuple[str, dict]:
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

        user_id = getattr(getattr(runtime, "context", None), "user_id", None)
        author = services.accounts.principal(user_id) if user_id else None
        if author is not None and not author.can("planner"):  # the same rule as POST /api/drafts
            raise ToolException(
                f"creating a draft needs the planner role; {author.username} is a {author.role}"
            )
        doc, stored = drafts.create_draft(
            services,
            context(),
            kind=kind,
            section=section,
            scope={"region": region} if region else {},
            period=period,
            lang=lang,
            amount=amount,
            author=author,
        )
        offset = _citation_offset(runtime)
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

    tools = [search_knowledge, kpi_lookup, kpi_rank, kpi_diagnose, forecast, budget_allocate, create_draft]
    assert tuple(t.name for t in tools) == TOOL_NAMES
    for t in tools:
        # Bad arguments (unknown metric, bad period, no data) go back to the model as an error
        # result it can correct, instead of ending the turn.
        t.func = _as_tool_errors(t.func)  # type: ignore[attr-defined]
        t.handle_tool_error = True
        t.handle_validation_error = _invalid
    return tools


def _as_tool_errors(func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PlannerError as e:
            raise ToolException(str(e)) from e

    return wrapper
