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
