"""The offline engine: rules pick the right tools for each core request, in Chinese and English,
and the answer is grounded, cited and marked as the offline engine's."""

from __future__ import annotations

import re

import pytest

from assistant.chat import ChatService
from assistant.engine.intents import Vocabulary, classify
from assistant.services import Services
from tools import demo_data

DEMO = Vocabulary.of(demo_data.REGIONS, demo_data.CHANNELS)
OTHER = Vocabulary.of(["华北", "华东", "华南", "西部大区"], ["搜索广告", "短视频", "电商平台", "经销商"])

CORE_REQUESTS = [
    ("帮我起草下沉市场2027年Q1的资源与预算部分", "zh", {"create_draft"}),
    ("Draft the budget section for lower-tier markets for 2027-Q1", "en", {"create_draft"}),
    ("为什么2026年Q3获客成本超标？", "zh", {"kpi_diagnose", "search_knowledge"}),
    ("Why is CAC off target in 2026-Q3?", "en", {"kpi_diagnose", "search_knowledge"}),
    ("各区域的推广策略建议", "zh", {"kpi_lookup", "search_knowledge"}),
    ("Suggest a regional strategy for each region", "en", {"kpi_lookup", "search_knowledge"}),
    ("写一份2026年9月的计划调整报告", "zh", {"create_draft"}),
    ("Write an adjustment report for September 2026", "en", {"create_draft"}),
    ("总预算1.5亿应该怎么分配？", "zh", {"budget_allocate", "search_knowledge"}),
    ("Allocate a budget of 150 million", "en", {"budget_allocate", "search_knowledge"}),
    ("预测未来12周的销售额", "zh", {"forecast", "search_knowledge"}),
    ("Forecast revenue for the next 12 weeks", "en", {"forecast", "search_knowledge"}),
    ("三级KOC矩阵怎么搭建？", "zh", {"search_knowledge"}),
    ("How should we run private-domain operations?", "en", {"search_knowledge"}),
    ("起草一份各区域的区域策略", "zh", {"create_draft"}),
]


@pytest.mark.parametrize(("text", "lang", "tools"), CORE_REQUESTS)
async def test_offline_engine_calls_the_tools_a_request_needs(
    services: Services, text: str, lang: str, tools: set[str]
) -> None:
    result = await ChatService(services, workspace="default").ask(text)
    assert result.error is None
    assert {c["name"] for c in result.tool_calls} == tools
    assert ("离线引擎" in result.answer) if lang == "zh" else ("offline engine" in result.answer)
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", result.answer)}
    assert cited and cited == {c["n"] for c in result.citations}


async def test_diagnosis_answer_names_the_planted_feed_channel(services: Services) -> None:
    result = await ChatService(services, workspace="default").ask("为什么2026年Q3获客成本超标？")
    assert "主要驱动因素是渠道「信息流广告」" in result.answer
    assert "132.32元" in result.answer  # the tool's actual CAC, copied not invented


async def test_adjustment_report_names_feed_and_has_four_parts(services: Services) -> None:
    result = await ChatService(services, workspace="default").ask("写一份2026年9月的计划调整报告")
    for part in ("一、背景", "二、结果", "三、分析", "四、建议"):
        assert part in result.answer
    assert result.tool_calls == [
        {"name": "create_draft", "args": {"kind": "adjustment", "period": "2026-09", "lang": "zh"}}
    ]
    assert "| 渠道 | 信息流广告 |" in result.answer  # the strongest driver of each off-target KPI
    assert "从信息流广告调出" in result.answer  # the reallocation the budget tool computed
    assert "已保存为草稿" in result.answer


async def test_out_of_scope_request_is_declined_without_tools(services: Services) -> None:
    result = await ChatService(services, workspace="default").ask("今天天气怎么样？")
    assert result.tool_calls == []
    assert "超出" in result.answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年第三季度的ROI是多少", {"kind": "status", "metric": "roi", "period": "2026-Q3"}),
        ("How is ROI doing in September 2026?", {"kind": "status", "metric": "roi", "period": "2026-09"}),
        ("下沉市场信息流广告的CPC", {"region": "下沉市场", "channel": "信息流广告", "metric": "cpc"}),
        ("新一线的ROI怎么样", {"region": "新一线城市", "metric": "roi"}),
        ("预算1500万怎么分", {"kind": "budget", "amount": 15_000_000}),
    ],
)
def test_parameter_extraction(text: str, expected: dict) -> None:
    intent = classify(text, DEMO)
    assert {k: getattr(intent, k) for k in expected} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "华南短视频的点击成本是多少",
            {"kind": "status", "region": "华南", "channel": "短视频", "metric": "cpc"},
        ),
        ("西部的获客成本", {"region": "西部大区", "metric": "cac"}),
        ("What is CAC in south china for search ads?", {"region": "华南", "channel": "搜索广告"}),
        ("华北和华东的销售额对比一下", {"kind": "rank", "metric": "revenue"}),
        ("华北和华东的推广策略怎么定", {"kind": "regional"}),
        ("下沉市场信息流广告的CPC", {"region": None, "channel": None}),  # not this company's names
    ],
)
def test_regions_and_channels_come_from_the_workspace_vocabulary(text: str, expected: dict) -> None:
    intent = classify(text, OTHER)
    assert {k: getattr(intent, k) for k in expected} == expected


async def test_citation_numbers_are_unique_when_searches_run_in_parallel(services: Services) -> None:
    # the regional answer issues two searches in one step
    result = await ChatService(services, workspace="default").ask("各区域的推广策略建议")
    assert sum(c["name"] == "search_knowledge" for c in result.tool_calls) == 2
    quoted = re.findall(r"^- \*\*.*\[(\d+)\]$", result.answer, re.M)  # one bullet per passage
    assert len(quoted) >= 4 and len(quoted) == len(set(quoted))
    by_n = {str(c["n"]): c for c in result.citations}
    assert set(quoted) <= set(by_n)


def test_a_knowledge_answer_states_the_list_its_first_sentence_announces() -> None:
    from assistant.engine.compose import answer_points

    passages = [
        {
            "n": 1,
            "key_points_en": ["three rules"],
            "text": "年度预算分配时依次套用三条原则。第一是目标导向：每笔钱先对应年度目标。"
            "第二是 ROI 优先：预期回报高的项目先投。第三是动态调整：每季度重新校准比例。其他说明。",
        },
        {
            "n": 2,
            "key_points_en": ["scoring"],
            "text": "评分细则参见《预算分配：目标导向、ROI 优先与动态调整的原则》。",
        },
    ]
    points = answer_points("预算分配应该遵循哪些原则？", passages, zh=True)
    texts = [p["text"] for p in points]
    # first the sentence that answers, not the pointer whose referenced title (《…》) repeats the question
    assert texts[:4] == [
        "年度预算分配时依次套用三条原则。",
        "第一是目标导向：每笔钱先对应年度目标。",
        "第二是 ROI 优先：预期回报高的项目先投。",
        "第三是动态调整：每季度重新校准比例。",
    ]
    assert "其他说明。" not in texts  # the list ends where its items end


def test_the_engines_words_are_data_checked_at_load(tmp_path, monkeypatch) -> None:
    """Metric and section words live in lexicon.yaml; an unknown metric or a word-less entry is
    refused with its name, and every skill's kind is one of the Intent kinds."""
    import pydantic

    from assistant.engine import lexicon
    from assistant.engine.skills import registry
    from assistant.engine.understand import KINDS

    assert lexicon.METRICS["cac"][0] == "获客成本" and "budget" in lexicon.SECTIONS
    for bad, named in (
        ({"metrics": {"nps": ["净推荐值"]}, "sections": {}}, "nps"),
        ({"metrics": {"cac": []}, "sections": {}}, "cac"),
    ):
        with pytest.raises(pydantic.ValidationError, match=named):
            lexicon._Lexicon.model_validate(bad)
    assert set(registry()) <= set(KINDS)


def test_question_cues_are_data_and_a_broken_one_is_refused_by_name(tmp_path) -> None:
    from assistant.engine.lexicon import CUES, load_cues

    assert {"why", "forecast", "budget", "draft", "year_earlier"} <= set(CUES)
    assert re.search(CUES["why"], "为什么三季度获客成本超标") and not re.search(
        CUES["why"], "九月销售额是多少"
    )
    broken = tmp_path / "cues.yaml"
    broken.write_text("why:\n  - 为什么\n  - (unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="why does not compile"):
        load_cues(broken)
