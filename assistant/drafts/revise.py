"""Revising draft sections: by the LLM when one is configured, else by rebuilding from the tools.

The LLM rewrites prose from the section's own facts (prompt: `prompts/revise_section.md`); the
number audit afterwards marks any figure it introduced. The offline engine cannot rewrite prose,
so it regenerates the section from the latest data and records the comments it was asked to
address, for the planner to finish by hand.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from assistant.drafts.builder import audit, build_draft
from assistant.drafts.document import Block, DraftDoc
from assistant.errors import NotFound
from assistant.services import Services


def revise_section(
    services: Services, doc: DraftDoc, *, section_id: str | None = None, comments: list[str] | None = None
) -> DraftDoc:
    """Revise one section (or, with no id, every section) and re-run the number audit."""
    comments = [c for c in (comments or []) if c.strip()]
    targets = [s for s in doc.sections if section_id in (None, s.id) and s.id != "basis"]
    if section_id and not targets:
        raise NotFound(f"section {section_id!r} not in this draft")
    if services.engine == "llm":
        return audit(_llm(services, doc, {s.id for s in targets}, comments))
    if section_id is None:
        return doc
    if not doc.workspace:
        raise NotFound("this draft does not say which workspace it belongs to")
    fresh = build_draft(
        services,
        kind=doc.kind,
        section=doc.section,
        scope=doc.scope,
        period=doc.period,
        lang=doc.lang,
        workspace=doc.workspace,
    )
    by_id = {s.id: s for s in fresh.sections}
    note = (
        "修订说明（离线引擎：已按最新数据重新生成本节，请人工处理以下意见）："
        if doc.lang == "zh"
        else "Revision note (offline engine: regenerated from the latest data; please address these comments by hand): "
    ) + "；".join(comments)
    sections = []
    for s in doc.sections:
        if s.id == section_id and s.id in by_id:
            s = by_id[s.id].model_copy(
                update={
                    "blocks": [
                        *by_id[s.id].blocks,
                        *([Block(type="paragraph", text=note)] if comments else []),
                    ]
                }
            )
        sections.append(s)
    return doc.model_copy(
        update={
            "sections": sections,
            "numbers": [*doc.numbers, *fresh.numbers],
            "citations": fresh.citations if fresh.citations else doc.citations,
        }
    )


def _llm(services: Services, doc: DraftDoc, ids: set[str], comments: list[str]) -> DraftDoc:
    template = (services.settings.prompts_dir / "revise_section.md").read_text(encoding="utf-8")
    sections = []
    for s in doc.sections:
        if s.id in ids:
            prompt = template.format(
                language="Chinese" if doc.lang == "zh" else "English",
                title=s.title,
                body="\n\n".join(
                    b.text
                    if b.type == "paragraph"
                    else s.model_copy(update={"blocks": [b]}).markdown().split("\n", 2)[-1]
                    for b in s.blocks
                    if b.type != "chart"
                ),
                comments="\n".join(f"- {c}" for c in comments) or "(none)",
            )
            text = str(services.chat_model.invoke([HumanMessage(prompt)]).content).strip()
            charts = [b for b in s.blocks if b.type == "chart"]
            s = s.model_copy(update={"blocks": [Block(type="paragraph", text=text), *charts]})
        sections.append(s)
    return doc.model_copy(update={"sections": sections, "engine": "llm", "model": services.model_name})


def make_draft(services: Services, **kwargs: object) -> DraftDoc:
    """Build a draft from the tools; with an LLM engine, have the model write its prose."""
    doc = build_draft(services, **kwargs)  # type: ignore[arg-type]
    return revise_section(services, doc) if services.engine == "llm" else doc
