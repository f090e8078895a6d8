"""The LLM's system prompt, rendered per model call from `prompts/system.md.j2`.

The model gets what it cannot look up: today's date, the workspace's data window and the periods
that "last month" or "next quarter" mean, its regions, channels and metrics, the deviation rule,
the tools and when to use each. Rendered at each call, so an import or a new day shows at once.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.presentation import fmt_num
from assistant.services import Services
from assistant.usecases import WorkspaceContext, workspace_context
from tools.metrics import METRICS
from tools.periods import month_of, quarter_of


@lru_cache(maxsize=4)
def _template(prompts_dir: str):
    env = Environment(
        loader=FileSystemLoader(prompts_dir), undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return env.get_template("system.md.j2")


def relative_periods(today: date) -> dict[str, str]:
    """What this/last/next month, quarter and year are on `today`."""
    day = pd.Timestamp(today)
    month, quarter = month_of(day), quarter_of(day)
    return {
        "this_month": month.label,
        "last_month": month.previous().label,
        "this_quarter": quarter.label,
        "last_quarter": quarter.previous().label,
        "next_quarter": quarter.next().label,
        "next_year": str(today.year + 1),
    }


def system_prompt(
    services: Services, workspace: str, ctx: WorkspaceContext | None = None, state: str = ""
) -> str:
    """`ctx`: the workspace's context when the caller has just read it (a chat turn has);
    `state`: the dialogue state line of a follow-up (`assistant.engine.offline.state_line`)."""
    ctx = ctx or workspace_context(services, workspace)
    today = services.settings.today_date()
    window = None
    if ctx.window is not None:
        w = ctx.window
        window = {
            "first": w.first.date(),
            "last": w.last.date(),
            "covered_until": w.covered_until.date(),
            "month": w.latest_month.label,
            "quarter": w.latest_quarter.label,
        }
    budget = ctx.profile.annual_budget
    return (
        _template(str(Path(services.settings.prompts_dir)))
        .render(
            ws={"name": ctx.name, "title": ctx.profile.title or ctx.name},
            today=today.isoformat(),
            window=window,
            rel=relative_periods(today),
            regions=ctx.regions,
            channels=ctx.channels,
            metrics=[METRICS[m] for m in ctx.metrics if m in METRICS],
            threshold=f"{ctx.threshold * 100:g}",
            budget=fmt_num(budget, ctx.currency) if budget else None,
            state=state,
        )
        .strip()
    )
