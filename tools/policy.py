"""A workspace's planning rules: what its own plan says, not what the demo company's says.

A new workspace starts neutral: no budget structure (the whole amount goes to the channels), no ROI
floor or bonus, channel bounds of 5%–40% of the pool, at most 20% of a channel's period budget
moved per adjustment, no red lines. The demo workspace is created with the seeds' rules
(`tools.demo_data.POLICY`). The budget tools say which rules they applied.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from tools.calendar import PromoEvent
from tools.metrics import METRICS


class BudgetCategory(BaseModel):
    """One line of a budget structure: 技术类 40%."""

    key: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=32)
    share: float = Field(ge=0, le=1)


class RedLine(BaseModel):
    """A limit the workspace never wants crossed, for a ratio KPI and a scope: "CAC ≤ 120",
    "抖音直播 CPC ≤ 1.5". Its side follows the metric: a cost is a ceiling, a rate a floor."""

    metric: str
    value: float = Field(gt=0, le=1e12)
    region: str = Field(default="", max_length=64)
    channel: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _ratio_only(self) -> RedLine:
        m = METRICS.get(self.metric)
        if m is None:
            raise ValueError(f"unknown metric {self.metric!r}")
        if not m.derived:
            raise ValueError(
                f"a red line is for a ratio KPI (CAC, CPC, ROI, a rate); {self.metric} is a volume: set a target"
            )
        return self

    @property
    def ceiling(self) -> bool:
        return METRICS[self.metric].direction == "lower"

    def label(self, lang: str = "zh") -> str:
        m = METRICS[self.metric]
        scope = " ".join(x for x in (self.region, self.channel) if x)
        name = m.zh if lang == "zh" else m.en.split(" (")[-1].rstrip(")")
        sign = "≤" if self.ceiling else "≥"
        return f"{scope + ' ' if scope else ''}{name} {sign} {self.value:g}"


class Policy(BaseModel):
    threshold: float | None = Field(
        default=None, gt=0, lt=1, description="the deviation rule; None: the server's"
    )
    categories: list[BudgetCategory] = Field(default_factory=list, max_length=8)
    channel_category: str = Field(
        default="channels", description="the category whose money the channels split"
    )
    min_share: float = Field(default=0.05, ge=0, le=0.5)
    max_share: float = Field(default=0.40, gt=0, le=1)
    max_step: float = Field(
        default=0.20, gt=0, le=1, description="the most of a channel's period budget one move takes"
    )
    roi_floor: float | None = Field(
        default=None, gt=0, le=100, description="channels below it keep the minimum only"
    )
    roi_bonus: float | None = Field(
        default=None, gt=0, le=100, description="channels above it may take 25% more"
    )
    red_lines: list[RedLine] = Field(default_factory=list, max_length=50)
    fiscal_year_start: int = Field(default=1, ge=1, le=12, description="the month the fiscal year starts")
    budgets: dict[str, float] = Field(default_factory=dict, description="the marketing budget per year")
    events: list[PromoEvent] = Field(
        default_factory=list,
        max_length=200,
        description="the workspace's own campaigns (品牌日, 会员日), one row per run, besides 618, 双十一, 双十二 and 春节",
    )

    aliases: dict[str, list[str]] = Field(
        default_factory=dict,
        description="what planners call the workspace's regions and channels (抖音直播: [dy, 抖音那边]), besides "
        "the names the assistant derives itself",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        if len(self.aliases) > 200 or any(
            not name.strip() or len(words) > 20 or any(not w.strip() or len(w) > 40 for w in words)
            for name, words in self.aliases.items()
        ):
            raise ValueError(
                "aliases: up to 200 names, each with up to 20 non-empty words of at most 40 characters"
            )
        if self.categories:
            total = sum(c.share for c in self.categories)
            if abs(total - 1) > 1e-6:
                raise ValueError(f"the budget structure's shares add up to {total:.0%}, not 100%")
            keys = [c.key for c in self.categories]
            if len(set(keys)) != len(keys):
                raise ValueError("each budget category needs its own key")
            if self.channel_category not in keys:
                raise ValueError(
                    f"the budget structure needs the category the channels split ({self.channel_category!r})"
                )
        if self.min_share > self.max_share:
            raise ValueError("the smallest channel share is larger than the largest")
        for year, amount in self.budgets.items():
            if not (year.isdigit() and len(year) == 4) or not 0 < amount <= 1e13:
                raise ValueError(f"a budget is a year (2027) and a positive amount, got {year}: {amount}")
        return self

    def split(self) -> dict[str, float] | None:
        """Category shares, or None when the workspace has no budget structure."""
        return {c.key: c.share for c in self.categories} or None

    def names(self) -> dict[str, str]:
        return {c.key: c.name for c in self.categories}

    def fiscal_year(self, year: int, month: int) -> int:
        """The fiscal year a month belongs to, named by the calendar year it starts in."""
        return year if month >= self.fiscal_year_start else year - 1

    def budget_for(self, year: int | str) -> float | None:
        return self.budgets.get(str(year))
