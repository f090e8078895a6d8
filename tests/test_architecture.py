"""The layers stay where they are (tools/ is the pure domain; the app does not import evals; the
benches do not import tests), and no product module names the demo company."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools import demo_data

ROOT = Path(__file__).resolve().parents[1]


def _imports(folder: str) -> list[tuple[Path, str]]:
    out = []
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((path, node.module))
            elif isinstance(node, ast.Import):
                out += [(path, alias.name) for alias in node.names]
    return out


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("tools", ("assistant", "web", "evals", "bench", "tests", "testkit")),
        ("assistant", ("web", "evals", "bench", "tests", "testkit")),
        ("web", ("evals", "bench", "tests", "testkit")),
        ("bench", ("tests",)),
    ],
)
def test_imports_point_down_the_layers(folder: str, forbidden: tuple[str, ...]) -> None:
    wrong = [f"{p.relative_to(ROOT)}: {m}" for p, m in _imports(folder) if m.split(".")[0] in forbidden]
    assert wrong == []


def _demo_names() -> list[str]:
    return [*demo_data.REGIONS, *demo_data.CHANNELS, "150_000_000", "150000000", "1.5亿"]


def test_no_product_module_names_the_demo_company() -> None:
    """Regions, channels and the budget come from the workspace: only the demo-data generator and
    the data files (glossaries, outlines, templates) may name the demo company's."""
    code = [
        p
        for folder in ("assistant", "web", "tools")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".js", ".html") and p.name != "demo_data.py"
    ]
    hits = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in code
        for name in _demo_names()
        if name in p.read_text(encoding="utf-8")
    ]
    assert hits == []


def test_the_offline_engine_is_reached_only_through_its_adapter() -> None:
    """assistant/engine/ is one engine behind the chat-model factory: the LLM path, the use cases,
    the drafts and the edges never import it (shared formatting is assistant/presentation.py)."""
    wrong = [
        f"{p.relative_to(ROOT)}: {m}"
        for folder in ("assistant", "web")
        for p, m in _imports(folder)
        if m.startswith("assistant.engine")
        and "engine" not in p.relative_to(ROOT).parts
        and p != ROOT / "assistant" / "factory.py"
    ]
    assert wrong == []


ADAPTERS = ["web", "assistant/cli.py", "assistant/mcp_server.py", "assistant/agent_tools.py"]
# what an adapter may take from the domain: its errors, the metric catalogue and policy types
DOMAIN_FOR_ADAPTERS = {"tools.errors", "tools.metrics", "tools.policy"}


def test_adapters_compute_no_domain_figure() -> None:
    """The edges (routes, CLI, MCP, agent tools) reach the domain through the use cases only."""
    found = []
    for target in ADAPTERS:
        paths = [ROOT / target] if target.endswith(".py") else list((ROOT / target).rglob("*.py"))
        for path in paths:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                found += [
                    f"{path.relative_to(ROOT)}: {n}"
                    for n in names
                    if n.split(".")[0] == "tools" and n not in DOMAIN_FOR_ADAPTERS
                ]
    assert found == []


def _is_tool(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Name) and target.id == "tool"


def test_every_tool_is_defined_once() -> None:
    """The agent's tools are plain functions in one registry (`assistant/toolbox.py`); LangChain
    and MCP adapt that list, and no module declares a tool of its own (no `@tool` function, no
    tool built by name)."""
    from assistant import toolbox
    from assistant.agent_tools import TOOL_NAMES
    from assistant.mcp_server import REGISTRY

    assert tuple(f.__name__ for f in toolbox.TOOLS) == TOOL_NAMES
    assert {f.__module__ for f in toolbox.TOOLS} == {"assistant.toolbox"}
    assert set(REGISTRY) == set(TOOL_NAMES)
    decorated, declared = [], []
    for folder in ("assistant", "web"):
        for p in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    map(_is_tool, node.decorator_list)
                ):
                    decorated.append(f"{p.relative_to(ROOT)}: {node.name}")
                if isinstance(node, ast.Call) and any(
                    k.arg == "name" and isinstance(k.value, ast.Constant) and k.value.value in TOOL_NAMES
                    for k in node.keywords
                ):
                    declared.append(f"{p.relative_to(ROOT)}: {ast.unparse(node)[:60]}")
    assert decorated == [] and declared == []
