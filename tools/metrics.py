"""The metric registry: base metrics are summed, derived metrics are ratios of sums."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tools.errors import InvalidArgument

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    unit: str
    direction: Direction
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    # For ratio metrics, the ratio chain the diagnosis reports (e.g. CAC = CPC / CVR).
    components: tuple[str, ...] = ()

    @property
    def derived(self) -> bool:
        return self.numerator is not None

    @property
    def base_inputs(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator) if self.derived else (self.key,)  # type: ignore[return-value]

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


_METRICS = [
    Metric("spend", "投放花费", "spend", "元", "lower"),
    Metric("impressions", "曝光量", "impressions", "次", "higher"),
    Metric("clicks", "点击量", "clicks", "次", "higher"),
    Metric("leads", "线索量", "leads", "个", "higher"),
    Metric("conversions", "转化量", "conversions", "次", "higher"),
    Metric("revenue", "销售额", "revenue", "元", "higher"),
    Metric("buyers", "购买用户数", "buyers", "人", "higher"),
    Metric("repeat_buyers", "复购用户数", "repeat buyers", "人", "higher"),
    Metric("active_users", "活跃用户数", "active users", "人", "higher"),
    Metric(
        "cac",
        "获客成本",
        "customer acquisition cost (CAC)",
        "元",
        "lower",
        "spend",
        "conversions",
        components=("cpc", "cvr"),
    ),
    Metric(
        "roi",
        "投资回报率",
        "return on investment (ROI)",
        "倍",
        "higher",
        "revenue",
        "spend",
        components=("aov", "cac"),
    ),
    Metric(
        "cpc",
        "单次点击成本",
        "cost per click (CPC)",
        "元",
        "lower",
        "spend",
        "clicks",
        components=("cpm", "ctr"),
    ),
    Metric("cpm", "千次曝光成本", "cost per mille (CPM)", "元", "lower", "spend", "impressions", 1000.0),
    Metric("ctr", "点击率", "click-through rate (CTR)", "%", "higher", "clicks", "impressions", 100.0),
    Metric("cvr", "转化率", "conversion rate (CVR)", "%", "higher", "conversions", "clicks", 100.0),
    Metric("aov", "客单价", "average order value (AOV)", "元", "higher", "revenue", "conversions"),
    Metric("repurchase_rate", "复购率", "repurchase rate", "%", "higher", "repeat_buyers", "buyers", 100.0),
]

METRICS: dict[str, Metric] = {m.key: m for m in _METRICS}
BASE_METRICS = tuple(m.key for m in _METRICS if not m.derived)
# the KPIs a planner watches: the dashboard's cards and the check of which KPIs are past the line
HEADLINE_METRICS = ("revenue", "cac", "roi", "conversions", "cvr", "repurchase_rate")


def get_metric(key: str) -> Metric:
    try:
        return METRICS[key.lower()]
    except (KeyError, AttributeError):
        known = ", ".join(METRICS)
        raise InvalidArgument(f"unknown metric {key!r}; known metrics: {known}") from None
