"""Drafts: right numbers with provenance, the audit, the review workflow's rules, export."""

from __future__ import annotations

import io
import json

import docx
import pytest
import respx
from langchain_openai import ChatOpenAI

from assistant.drafts.builder import SECTIONS, build_draft
from assistant.drafts.export import to_docx
from assistant.drafts.revise import revise_section
from assistant.services import Services
from assistant.settings import Settings
from assistant.usecases import budgets, workspace_context
from testkit.llm_fakes import BASE_URL, completion_text
from tests.utils import make_user, signed_in
from web.main import create_app

KINDS = [dict(kind="section", section=s) for s in SECTIONS] + [
    dict(kind="regional", period="2026-Q3"),
    dict(kind="adjustment", period="2026-09"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("spec", KINDS, ids=lambda s: s.get("section") or s["kind"])
def test_offline_drafts_are_complete_and_every_number_has_provenance(
    services: Services, spec: dict, lang: str
) -> None:
    doc = build_draft(services, lang=lang, **spec, workspace="default")
    assert all(s.blocks for s in doc.sections), "every outline subsection is filled"
    assert doc.audit is not None and doc.audit.unsupported == [] and doc.audit.checked == doc.audit.supported
    assert all(n.source.type == "chunk" or (n.source.tool and n.source.dataset_version) for n in doc.numbers)
    cited = {int(x) for x in __import__("re").findall(r"\[(\d+)\]", doc.markdown_body())}
    assert cited <= {c.n for c in doc.citations}
    text = doc.markdown()
    assert ("的" in text) if lang == "zh" else ("the" in text)


def test_adjustment_report_names_feed_cpc_and_recommends_the_budget_tools_reallocation(
    services: Services,
) -> None:
    doc = build_draft(services, kind="adjustment", period="2026-09", workspace="default")
    analysis = next(s for s in doc.sections if s.id == "analysis").markdown()
    assert "信息流广告" in analysis.split("| 渠道 |")[1][:20]  # the first driver row is the feed channel
    recs = next(s for s in doc.sections if s.id == "recommendations").markdown()
    assert "从信息流广告调出" in recs
    budget_numbers = [n for n in doc.numbers if n.source.tool == "budget_adjustments"]
    assert budget_numbers and all(n.text in recs + doc.markdown_body() for n in budget_numbers)
    # sized to matter: a real share of the feed channel's September spend, with its expected effect
    from assistant.usecases import budgets, workspace_context

    adj = budgets.adjustments(workspace_context(services, "default"), period="2026-09")
    feed = next(m for m in adj.moves if m.from_channel == "信息流广告")
    assert feed.status == "move" and 0.1 <= feed.share_of_source <= 0.2
    assert feed.expected_low < feed.expected_revenue_change < feed.expected_high
    assert "2026-10-01 起生效" in recs and "负责人" in recs
    risks = next(s for s in doc.sections if s.id == "risks").markdown()
    assert "花费集中在成本上升的信息流广告" in risks  # a risk read from the data, not a generic passage
    chart = next(b for s in doc.sections for b in s.blocks if b.type == "chart")
    assert chart.chart["actual"] and any(v is not None for v in chart.chart["forecast"])


def test_budget_section_for_a_region_uses_that_regions_data(services: Services) -> None:
    doc = build_draft(
        services,
        kind="section",
        section="budget",
        scope={"region": "下沉市场"},
        period="2027-Q1",
        amount=20_000_000,
        workspace="default",
    )
    alloc = next(s for s in doc.sections if s.id == "allocation")
    assert "2,000.0万元" in alloc.markdown() and "下沉市场" in alloc.markdown()
    assert any(
        n.source.inputs == {"total": 20_000_000, "region": "下沉市场", "period": "2027-Q1", "basis": "given"}
        for n in doc.numbers
    )


async def test_llm_invented_figure_is_flagged_by_the_audit(settings: Settings) -> None:
    cfg = settings.model_copy(update={"llm_base_url": BASE_URL, "llm_model": "fake", "llm_max_retries": 0})
    services = Services(
        cfg,
        chat_model=ChatOpenAI(
            model="fake", base_url=BASE_URL, api_key="sk", max_retries=0, disable_streaming=True
        ),
    )
    doc = build_draft(services, kind="adjustment", period="2026-09", workspace="default")
    with respx.mock() as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=lambda request: completion_text(
                "获客成本为 139.18元，偏离目标 +16.0%；我们预计下月将下降 37.5%。"
                if "获客成本" in json.loads(request.content)["messages"][0]["content"]
                else "本节保持原有事实。"
            )
        )
        revised = revise_section(services, doc)
    assert revised.engine == "llm"
    assert {u["text"] for u in revised.audit.unsupported} == {"37.5%"}
    supported = {n.text for n in revised.numbers}
    assert {"139.18元", "+16.0%"} <= supported


@pytest.fixture
def app(settings: Settings):
    app = create_app(settings)
    services: Services = app.state.services
    make_user(services, "author", "planner", ["default"])
    make_user(services, "rev", "reviewer", ["default"])
    make_user(services, "rev2", "reviewer", ["default"])
    return app


@pytest.mark.storage
def test_review_workflow_rules(app) -> None:
    with signed_in(app, "author") as author, signed_in(app, "rev") as rev:
        d = author.post("/api/drafts", json={"kind": "section", "section": "monitoring"}).json()
        did, v1 = d["id"], d["version"]
        # reviewers cannot approve a draft that is not in review
        assert rev.post(f"/api/drafts/{did}/transitions", json={"action": "approve"}).status_code == 409
        edited = author.put(
            f"/api/drafts/{did}/sections/cadence", json={"markdown": "每周看一次看板。", "base_version": v1}
        ).json()
        assert edited["version"] == v1 + 1
        # a second editor working from the old version is refused, nothing is overwritten
        stale = author.put(
            f"/api/drafts/{did}/sections/report", json={"markdown": "覆盖", "base_version": v1}
        )
        assert stale.status_code == 409 and "changed since version" in stale.json()["detail"]
        assert (
            author.post(f"/api/drafts/{did}/transitions", json={"action": "submit"}).json()["state"]
            == "in_review"
        )
        # no edits while in review
        assert (
            author.put(
                f"/api/drafts/{did}/sections/report", json={"markdown": "x", "base_version": v1 + 1}
            ).status_code
            == 409
        )
        assert (
            rev.post(
                f"/api/drafts/{did}/comments", json={"section_id": "cadence", "text": "补充月度复盘"}
            ).status_code
            == 201
        )
        back = rev.post(
            f"/api/drafts/{did}/transitions", json={"action": "request_changes", "comment": "请补充"}
        ).json()
        assert back["state"] == "changes_requested"
        revised = author.post(
            f"/api/drafts/{did}/sections/cadence/revise", json={"base_version": back["version"]}
        ).json()
        assert revised["state"] == "draft" and revised["version"] == back["version"] + 1
        assert "补充月度复盘" in revised["markdown"]
        author.post(f"/api/drafts/{did}/transitions", json={"action": "submit"})
        approved = rev.post(f"/api/drafts/{did}/transitions", json={"action": "approve"}).json()
        assert approved["state"] == "approved"
        # approved versions are immutable
        frozen = author.put(
            f"/api/drafts/{did}/sections/cadence",
            json={"markdown": "改", "base_version": approved["version"]},
        )
        assert frozen.status_code == 409 and "approved" in frozen.json()["detail"]
        versions = author.get(f"/api/drafts/{did}/versions").json()
        assert [v["version"] for v in versions] == [1, 2, 3]
        diff = author.get(f"/api/drafts/{did}/diff", params={"a": 1, "b": 2}).json()["diff"]
        assert "+每周看一次看板。" in diff
        actions = [
            e["detail"].get("action")
            for e in app.state.services.accounts.audit_log(action="draft_transition")
        ]
        assert actions[:4] == ["approve", "submit", "request_changes", "submit"]


@pytest.mark.storage
def test_a_reviewer_cannot_approve_their_own_draft(app) -> None:
    with signed_in(app, "rev") as rev, signed_in(app, "admin") as admin:
        d = admin.post("/api/drafts", json={"kind": "section", "section": "monitoring"}).json()
        admin.post(f"/api/drafts/{d['id']}/transitions", json={"action": "submit"})
        assert admin.post(f"/api/drafts/{d['id']}/transitions", json={"action": "approve"}).status_code == 403
        assert (
            rev.post(f"/api/drafts/{d['id']}/transitions", json={"action": "approve"}).json()["state"]
            == "approved"
        )


def test_export_markdown_and_word(app) -> None:
    with signed_in(app, "author") as author:
        d = author.post("/api/drafts", json={"kind": "adjustment", "period": "2026-09"}).json()
        md = author.get(f"/api/drafts/{d['id']}/export", params={"format": "md"})
        assert md.headers["content-type"].startswith("text/markdown") and "计划调整报告" in md.text
        assert md.text.count("](data:image/png;base64,") == 1  # the chart is in the Markdown file itself
        word = author.get(f"/api/drafts/{d['id']}/export", params={"format": "docx"})
    document = docx.Document(io.BytesIO(word.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert (
        "一、背景" in headings and headings.count("依据") == 1 and "参考资料" not in headings
    )  # one reference list
    assert not any("**" in p.text for p in document.paragraphs)  # Markdown bold became bold runs
    assert any(r.bold and r.text.startswith("从信息流广告调出") for p in document.paragraphs for r in p.runs)
    assert len(document.tables) >= 2 and len(document.inline_shapes) == 1  # the chart
    assert any(e["action"] == "export" for e in app.state.services.accounts.audit_log())


def test_docx_round_trip(services: Services) -> None:
    doc = build_draft(services, kind="regional", period="2026-Q3", lang="en", workspace="default")
    document = docx.Document(io.BytesIO(to_docx(doc)))
    assert document.tables[0].rows[0].cells[0].text == "Region"
    assert any(p.text == "Sources" for p in document.paragraphs)
    assert any(p.text.startswith("[1] ") for p in document.paragraphs)


def _echo_section(request) -> object:
    """A scripted LLM that returns the section body it was given (a faithful rewrite)."""
    prompt = json.loads(request.content)["messages"][0]["content"]
    body = (
        prompt.split("\n\n", 1)[1]
        if "Section:" not in prompt
        else prompt.split("Section:", 1)[1].split("\n\n", 1)[1]
    )
    return completion_text(body.split("Reviewer comments:")[0].strip())


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "spec", [KINDS[3], KINDS[0], KINDS[-2], KINDS[-1]], ids=lambda s: s.get("section") or s["kind"]
)
def test_llm_drafts_for_each_kind_and_language(settings: Settings, spec: dict, lang: str) -> None:
    cfg = settings.model_copy(update={"llm_base_url": BASE_URL, "llm_model": "fake", "llm_max_retries": 0})
    services = Services(
        cfg,
        chat_model=ChatOpenAI(
            model="fake", base_url=BASE_URL, api_key="sk", max_retries=0, disable_streaming=True
        ),
    )
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=_echo_section)
        doc = revise_section(services, build_draft(services, lang=lang, **spec, workspace="default"))
    assert doc.engine == "llm" and route.call_count == len([s for s in doc.sections if s.id != "basis"])
    assert ("Chinese" if lang == "zh" else "English") in json.loads(route.calls[0].request.content)[
        "messages"
    ][0]["content"]
    assert doc.audit.unsupported == [] and doc.audit.checked > 0


def test_timeline_runs_quarter_by_quarter_from_the_plan_period(services: Services) -> None:
    doc = build_draft(
        services, kind="section", section="responsibilities", period="2027-02", workspace="default"
    )
    timeline = next(s for s in doc.sections if s.id == "timeline").blocks[0]
    assert [r[0] for r in timeline.rows] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]


def test_a_regional_quarter_budget_takes_the_regions_and_the_quarters_share_of_the_annual_budget(
    services: Services,
) -> None:
    doc = build_draft(
        services,
        kind="section",
        section="budget",
        scope={"region": "下沉市场"},
        period="2027-Q1",
        workspace="default",
    )
    text = next(s for s in doc.sections if s.id == "allocation").markdown()
    assert "下沉市场销售目标占比" in text and "1.50亿元" in text and "2027-Q1 占全年" in text
    t = workspace_context(services, "default").targets
    revenue = t[(t["metric"] == "revenue") & (t["channel"] == "")]
    quarterly = revenue[revenue["period"].str.contains("-Q") & (revenue["region"] != "")]
    region = quarterly[quarterly["region"] == "下沉市场"]["target"].sum() / quarterly["target"].sum()
    company = revenue[revenue["region"] == ""].set_index("period")["target"]
    q1 = company["2026-Q1"] / company["2026"]  # 2027 has no targets yet: last year's shape
    total = next(n for n in doc.numbers if n.source.tool == "budget_allocate").source.inputs["total"]
    assert total == pytest.approx(150_000_000 * region * q1, rel=1e-3)
    assert doc.audit.unsupported == []


def test_a_quarter_budget_is_split_by_month_following_last_years_peak(services: Services) -> None:
    doc = build_draft(services, kind="section", section="budget", period="2026-Q4", workspace="default")
    table = next(s for s in doc.sections if s.id == "allocation").blocks[-1]
    assert [row[0] for row in table.rows] == ["2026-10", "2026-11（双十一）", "2026-12（双十二）"]
    plan = budgets.allocate(workspace_context(services, "default"), period="2026-Q4")
    amounts = [m.amount for m in plan.by_month]
    assert plan.by_month_basis == "2025-Q4" and max(amounts) == amounts[1]  # 双十一 carries Q4
    assert sum(amounts) == pytest.approx(plan.total, abs=0.01)


@pytest.mark.parametrize(
    ("text", "known", "supported"),
    [
        ("预算 1亿", [("1.40亿元", 1.4e8)], False),  # 1亿 is not 1.4亿
        ("预算 1.4亿", [("1.40亿元", 1.4e8)], True),
        ("成本 12 元", [("12.00%", 12.0)], False),  # a percentage does not support a price
        ("成本 12 元", [("12.00元", 12.0)], True),
        ("ROI 8", [], False),  # ratios are figures, not list numbering
        ("提升到9倍", [], False),
        ("提升到9倍", [("9.00", 9.0)], True),
        ("转化率降了三成", [("30.0%", 30.0)], True),  # Chinese numerals and 成 normalised
        ("偏差超过百分之十", [("10%", 10.0)], True),
        ("共5个渠道，第3季度", [], True),  # counts and ordinals are not figures
        ("revenue RMB 52.89 million", [("5,289.0万元", 52.89e6)], True),  # English scales and money
        ("revenue RMB 52 million", [("5,289.0万元", 52.89e6)], False),
        ("CAC RMB 12", [("12.00%", 12.0)], False),
        ("ROI 8.00x", [("8.00", 8.0)], True),
    ],
)
def test_the_audit_catches_its_former_blind_spots(text: str, known: list, supported: bool) -> None:
    from assistant.drafts.numbers import NumberRef, NumberSource, audit_text

    src = NumberSource(type="tool", tool="kpi_lookup")
    result, _ = audit_text(text, [NumberRef(text=t, value=v, source=src) for t, v in known], {})
    assert (not result.unsupported) is supported, result


@pytest.mark.parametrize(
    ("period", "peak"), [("2026-Q4", "11月（双十一）"), ("2027-Q2", "6月（618）"), ("2027-Q1", None)]
)
def test_a_quarter_plan_names_its_seasonal_peak_from_the_data(services: Services, period: str, peak) -> None:
    doc = build_draft(services, kind="section", section="goals", period=period, workspace="default")
    lines = [line for line in doc.markdown_body().splitlines() if line.startswith("- 季节性")]
    assert (peak in lines[0] if lines else None) == (True if peak else None)
    assert not doc.audit.unsupported


def test_draft_sentences_come_from_the_templates_and_their_figures_stay_audited(
    settings: Settings, tmp_path
) -> None:
    """Rewording a draft is an edit to prompts/drafts/, not to code; a figure a template prints
    is still registered with its provenance."""
    import shutil

    from assistant.settings import ROOT

    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    template = prompts / "drafts" / "zh" / "adjustment.md.j2"
    text = template.read_text(encoding="utf-8")
    start = text.index("{% macro background")
    end = text.index("{% endmacro %}", start)
    template.write_text(
        text[:start]
        + "{% macro background(period, threshold_pct, n, src) %}复盘 {{ period }}：偏差阈值 {{ fig(threshold_pct, '%', src, digits=0) }} [{{ n }}]。"
        + text[end:],
        encoding="utf-8",
    )
    doc = build_draft(
        Services(settings.model_copy(update={"prompts_dir": prompts})),
        kind="adjustment",
        period="2026-09",
        workspace="default",
    )
    background = next(s for s in doc.sections if s.id == "background").markdown()
    assert "复盘 2026-09：偏差阈值 10% [1]。" in background
    assert doc.audit.unsupported == [] and any(n.source.tool == "workspace" for n in doc.numbers)


def test_the_markdown_export_carries_no_html_or_script_links(app) -> None:
    from markdown_it import MarkdownIt

    hostile = (
        'ROI < 4 时暂停。<script>alert(1)</script>\n\n<iframe src="https://evil.example"></iframe>\n\n'
        "[看板](javascript:alert(document.cookie)) [官网](https://example.com) <javascript:alert(2)>"
    )
    with signed_in(app, "author") as author:
        d = author.post("/api/drafts", json={"kind": "section", "section": "monitoring"}).json()
        author.put(
            f"/api/drafts/{d['id']}/sections/cadence",
            json={"markdown": hostile, "base_version": d["version"]},
        )
        md = author.get(f"/api/drafts/{d['id']}/export", params={"format": "md"}).text
    tokens = MarkdownIt("commonmark").parse(md)
    flat = [t for tok in tokens for t in [tok, *(tok.children or [])]]
    assert not [t for t in flat if t.type in ("html_inline", "html_block")]
    links = [t.attrs.get("href", "") for t in flat if t.type == "link_open"]
    assert "https://example.com" in links and not [h for h in links if "javascript" in h.lower()]
    assert "ROI" in md and "4 时暂停" in md  # the text itself stays
