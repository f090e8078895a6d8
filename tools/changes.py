"""What an import changes: each incoming row against the stored row with the same key.

A KPI fact is keyed by (date, region, channel, metric) and a target by (period, metric, region,
channel). An incoming row whose key is stored replaces its value (an *update*, or *unchanged* when
the value is the same); one whose key is not stored is *added*. Replacing the periods a file covers
also *removes* the stored rows of those dates (or target periods) that the file no longer holds.
The store applies the plan and keeps every old value, so an import can be reverted exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

Kind = Literal["fact", "target"]
Mode = Literal["upsert", "replace_periods", "replace_all"]
MODES: tuple[Mode, ...] = ("upsert", "replace_periods", "replace_all")

KEYS: dict[Kind, list[str]] = {
    "fact": ["date", "region", "channel", "metric"],
    "target": ["period", "metric", "region", "channel"],
}
# the column that scopes "the periods this file covers"
SCOPE: dict[Kind, str] = {"fact": "date", "target": "period"}


@dataclass(frozen=True)
class ChangePlan:
    """Rows to write and rows to delete. `write` holds the key and the new `value` (added and
    updated rows alike); `updated` and `removed` also hold the stored row's `id`, `old_value` and
    `old_dataset` (the import that wrote it)."""

    kind: Kind
    added: pd.DataFrame
    updated: pd.DataFrame
    removed: pd.DataFrame
    unchanged: int
    covered: tuple[str, ...] = ()  # the dates or periods the incoming rows are for

    @property
    def write(self) -> pd.DataFrame:
        keys = KEYS[self.kind]
        return pd.concat([self.added[[*keys, "value"]], self.updated[[*keys, "value"]]], ignore_index=True)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
        }

    def scopes(self) -> dict[str, list[str]]:
        """The file's dates (or target periods) as labels: those that are new (nothing stored
        before), those whose stored rows change, and those that stay as they were."""
        touched = {label for df in (self.updated, self.removed) for label in _labels(df, self.kind)}
        new = set(_labels(self.added, self.kind)) - touched
        return {
            "new": sorted(new),
            "changed": sorted(touched),
            "same": sorted(set(self.covered) - new - touched),
        }


def _labels(df: pd.DataFrame, kind: Kind) -> list[str]:
    if df.empty:
        return []
    values = pd.Series(pd.unique(df[SCOPE[kind]]))
    return list(values.dt.strftime("%Y-%m-%d") if kind == "fact" else values.astype(str))


def plan_changes(
    stored: pd.DataFrame,
    incoming: pd.DataFrame,
    *,
    kind: Kind,
    mode: Mode = "upsert",
    remove: pd.DataFrame | None = None,
) -> ChangePlan:
    """Compare incoming rows (key columns and `value`) with the stored ones (key columns, `id`,
    `value`, `dataset_id`).

    `stored` must hold at least every stored row the import can touch: those with the incoming
    keys, plus for `replace_periods` every row of the incoming dates or periods and for
    `replace_all` every row. `remove` names keys to delete outright (a target deleted in the UI).
    """
    keys = KEYS[kind]
    old = stored.rename(columns={"value": "old_value", "dataset_id": "old_dataset"})
    merged = incoming[[*keys, "value"]].merge(old, on=keys, how="left", indicator=True)
    known = merged["_merge"] == "both"
    added = merged.loc[~known, [*keys, "value"]].reset_index(drop=True)
    differs = known & (merged["value"] != merged["old_value"])
    updated = merged.loc[differs, [*keys, "value", "id", "old_value", "old_dataset"]].reset_index(drop=True)
    unchanged = int((known & ~differs).sum())

    if mode == "upsert":
        candidates = old.iloc[0:0]
    elif mode == "replace_periods":
        col = SCOPE[kind]
        candidates = old[old[col].isin(incoming[col].unique())]
    else:
        candidates = old
    if remove is not None and not remove.empty:
        named = old.merge(remove[keys].drop_duplicates(), on=keys, how="inner")
        candidates = pd.concat([candidates, named], ignore_index=True).drop_duplicates(subset=keys)
    kept = candidates.merge(incoming[keys], on=keys, how="left", indicator=True)
    removed = kept.loc[kept["_merge"] == "left_only", [*keys, "id", "old_value", "old_dataset"]]
    return ChangePlan(
        kind=kind,
        added=added,
        updated=updated,
        removed=removed.reset_index(drop=True),
        unchanged=unchanged,
        covered=tuple(sorted(set(_labels(incoming, kind)))),
    )
