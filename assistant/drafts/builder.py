"""Build drafts from the tools and the knowledge base, every number registered with its provenance.

The builder fills the outline in `prompts/outlines/<section>.yaml` for the requested kind and
scope. Each figure goes through `Ctx.fig`, which formats it and records where it came from (tool,
inputs, data set version, time), so the number audit of an offline draft passes by construction;
with an LLM engine the model rewrites each section from these facts and the audit catches any
figure it invents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from assistant.drafts.context import Ctx
from assistant.drafts.document import Block, DraftDoc, Section
from assistant.drafts.numbers import audit_text
from assistant.drafts.sections import adjustment, budget, plan, regional
from assistant.services import Services
from assistant.settings import OFFLINE_MODEL
from assistant.usecases import WorkspaceContext, workspace_context
from tools.errors import DataError, PlannerError
from tools.periods import parse_period

SECTIONS = ("goals", "market", "strategy", "budget", "monitoring", "responsibilities")
# the registry: a plan section's outline (prompts/outlines/<name>.yaml) and the module filling it
PLAN_SECTIONS = {
    "goals": plan.goals,
    "market": plan.market,
    "strategy": plan.strategy,
    "monitoring": plan.monitoring,
    "responsibilities": plan.responsibilities,
}


def _outline(services: Services, name: str) -> dict[str, Any]:
    path = Path(services.settings.prompts_dir) / "outlines" / f"{name}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _sections(ctx: Ctx, outline: dict[str, Any], content: dict[str, list[Block]]) -> list[Section]:
    out = []
    for sub in outline["subsections"]:
        blocks = content.get(sub["id"], [])
        if sub["id"] == "basis":
            blocks = [
                Block(
                    type="paragraph",
                    text="\n".join(f"[{c.n}] {c.title} · {c.heading}" for c in ctx.citations),
                )
            ]
        out.append(Section(id=sub["id"], title=sub[ctx.lang], blocks=blocks))
    return out


# -- KPI table used by several sections -------------------------------------------------------


def build_draft(
    services: Services,
    *,
    kind: str,
    section: str | None = None,
    scope: dict[str, str] | None = None,
    period: str | None = None,
    lang: str = "zh",
    amount: float | None = None,
    workspace: str | None = None,
    ws: WorkspaceContext | None = None,
) -> DraftDoc:
    """Build a draft of one kind: a plan `section`, a `regional` strategy or an `adjustment` report."""
    scope = scope or {}
    if kind not in ("section", "regional", "adjustment"):
        raise PlannerError(f"unknown draft kind {kind!r}: use section, regional or adjustment")
    if kind == "section" and section not in SECTIONS:
        raise PlannerError(f"unknown section {section!r}: use {', '.join(SECTIONS)}")
    if period:
        parse_period(period)  # a clear error for a bad period
    if ws is None:
        if workspace is None:
            raise PlannerError("a draft is built for a workspace: give workspace or ws")
        ws = workspace_context(services, workspace)
    ws.require_data()
    if kind == "regional" and not ws.regions:
        raise DataError(
            f"workspace {ws.name!r} has no regions in its data: a regional draft needs facts by region"
        )
    ws.check_scope(region=scope.get("region"), channel=scope.get("channel"))
    ctx = Ctx(services=services, ws=ws, lang=lang)
    region = scope.get("region")
    outline = _outline(services, section if kind == "section" else kind)  # type: ignore[arg-type]
    ctx.outline = outline
    if kind == "section" and section == "budget":
        content = budget.budget(ctx, region, period, amount)
    elif kind == "section":
        content = PLAN_SECTIONS[section](ctx, region, period)  # type: ignore[index]
    elif kind == "regional":
        content = regional.regional(ctx, period)
    else:
        content = adjustment.adjustment(ctx, period)
    sections = _sections(ctx, outline, content)
    where = "、".join(f"{v}" for v in scope.values())
    title = f"{outline['title'][lang]}{'（' + where + '）' if where and lang == 'zh' else ' (' + where + ')' if where else ''}{' · ' + period if period else ''}"
    doc = DraftDoc(
        kind=kind,  # type: ignore[arg-type]  # a str, checked above and by pydantic
        workspace=ws.name,
        section=section,
        title=title,
        lang=lang,  # type: ignore[arg-type]  # a str, checked by pydantic
        scope=scope,
        period=period,
        sections=sections,
        citations=ctx.citations,
        numbers=ctx.numbers,
        engine="offline",
        model=OFFLINE_MODEL,
    )
    return audit(doc)


def audit(doc: DraftDoc) -> DraftDoc:
    """Check every figure of the text against the provenance; replaces `numbers` with the figures found."""
    passages = {c.n: f"{c.title} {c.heading} {c.text}" for c in doc.citations}
    result, found = audit_text(doc.markdown_body(), doc.numbers, passages)
    return doc.model_copy(update={"audit": result, "numbers": found})
