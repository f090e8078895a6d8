"""Import benchmark: a 500,000-row KPI file (long or wide) uploaded to the real server, while a
second client polls /api/health.

Reports, per layout: the file's size; in-process on the same file, the preview (read, check,
compare with the stored rows) and the import (the same, then write); through the server, the
seconds from upload to the import's answer, the rows written, and the
slowest /api/health answer during the upload (the import runs in a worker thread, so the event
loop keeps answering). Then the same file again: a re-import that changes nothing must not add a
row. Bounded: every request has a timeout.

Run: .venv/bin/python bench/imports.py [--rows 500000] [--layout long,wide] [--xlsx-rows 50000]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.services import Services
from assistant.settings import Settings
from assistant.usecases import imports, workspace_context
from testkit.accounts import token_for
from testkit.net import live_server
from web.main import create_app

METRICS = ("spend", "impressions", "clicks", "conversions", "revenue", "buyers", "repeat_buyers", "leads")
WIDE = {
    "spend": "花费（元）",
    "impressions": "曝光",
    "clicks": "点击",
    "conversions": "成交单数",
    "revenue": "销售额",
    "buyers": "购买人数",
}


def long_file(rows: int) -> bytes:
    """date, region, channel, metric, value: weeks × regions × channels × 8 metrics."""
    weeks = pd.date_range("2024-01-01", periods=104, freq="W-MON")
    per_week = rows // len(weeks) // len(METRICS)
    regions = [f"区域{i:02d}" for i in range(max(1, per_week // 30))]
    channels = [f"渠道{i:02d}" for i in range(max(1, per_week // len(regions)))]
    index = pd.MultiIndex.from_product(
        [weeks, regions, channels, METRICS], names=["date", "region", "channel", "metric"]
    )
    df = index.to_frame(index=False)
    df["value"] = np.random.default_rng(1).uniform(10, 1e6, len(df)).round(2)
    df["date"] = df["date"].dt.strftime("%Y-%m-%d")
    return df.to_csv(index=False).encode()


def wide_frame(rows: int) -> pd.DataFrame:
    """A planner's sheet: one row per week × region × channel, Chinese headers, one column per metric."""
    weeks = pd.date_range("2024-01-01", periods=104, freq="W-MON")
    cells = rows // len(weeks)
    regions = [f"区域{i:02d}" for i in range(max(1, cells // 120))]
    channels = [f"渠道{i:03d}" for i in range(max(1, cells // len(regions)))]
    index = pd.MultiIndex.from_product([weeks, regions, channels], names=["日期", "区域", "渠道"])
    df = index.to_frame(index=False)
    df["日期"] = df["日期"].dt.strftime("%Y/%-m/%-d")
    rng = np.random.default_rng(2)
    for header in WIDE.values():
        df[header] = rng.uniform(10, 1e6, len(df)).round(2)
    return df


def in_process(settings: Settings, data: bytes, name: str) -> dict[str, float]:
    """The work split on this file, in this process: read and check, then write."""
    services = Services(settings)
    services.accounts.create_workspace("split")
    ctx = workspace_context(services, "split")
    upload = [imports.Upload(data=data, name=name)]
    t0 = time.perf_counter()
    preview = imports.preview(services, ctx, upload)
    t1 = time.perf_counter()
    result = imports.run_import(services, ctx, upload)
    t2 = time.perf_counter()
    assert preview.ok, preview.problems[:3]
    return {"preview_s": t1 - t0, "import_s": t2 - t1, "figures": result.changes["facts"]["added"]}


def through_the_server(settings: Settings, data: bytes, name: str) -> dict[str, float]:
    app = create_app(settings)
    services: Services = app.state.services
    services.accounts.create_workspace("bench")
    headers = {"Authorization": f"Bearer {token_for(services, 'admin')}", "X-Workspace": "bench"}
    worst, polls, stop = [0.0], [0], threading.Event()

    def poll(base: str) -> None:
        with httpx.Client() as client:
            while not stop.is_set():
                t = time.perf_counter()
                client.get(f"{base}/api/health", timeout=30)
                worst[0] = max(worst[0], time.perf_counter() - t)
                polls[0] += 1
                time.sleep(0.05)

    out: dict[str, float] = {}
    with live_server(app) as base:
        watcher = threading.Thread(target=poll, args=(base,), daemon=True)
        watcher.start()
        for attempt in ("first", "again"):
            t = time.perf_counter()
            res = httpx.post(
                f"{base}/api/kpis/import", files={"file": (name, data)}, headers=headers, timeout=600
            )
            out[f"{attempt}_s"] = time.perf_counter() - t
            assert res.status_code == 201, res.text[:500]
            changes = res.json()["changes"]["facts"]
            out[f"{attempt}_added"] = changes["added"]
            out[f"{attempt}_unchanged"] = changes["unchanged"]
        stop.set()
        watcher.join(30)
    out["health_worst_s"], out["health_polls"] = worst[0], polls[0]
    out["stored"] = len(services.kpis.load("bench").facts)
    return out


def _settings(tmp: str, url: str | None) -> Settings:
    if url:  # a fresh schema each run
        from sqlalchemy import create_engine, text

        with create_engine(url).begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    return Settings(var_dir=Path(tmp), database_url=url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--layout", default="long,wide")
    parser.add_argument("--xlsx-rows", type=int, default=50_000, help="rows of a wide XLSX (0: skip)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database to use (it is emptied)")
    args = parser.parse_args()
    files = []
    for layout in args.layout.split(","):
        if layout == "long":
            files.append(("long CSV", "long.csv", long_file(args.rows)))
        elif layout == "wide":
            files.append(("wide CSV", "wide.csv", wide_frame(args.rows).to_csv(index=False).encode("gbk")))
    if args.xlsx_rows:
        book = io.BytesIO()
        wide_frame(args.xlsx_rows).to_excel(book, index=False, sheet_name="周数据")
        files.append(("wide XLSX", "wide.xlsx", book.getvalue()))
    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}")
    print(
        "| file | rows | MB | preview (s) | import (s) | upload to answer (s) | re-import (s) | added again | health worst (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, name, data in files:
        rows = data.count(b"\n") - 1 if name.endswith(".csv") else args.xlsx_rows
        with tempfile.TemporaryDirectory() as tmp:
            split = in_process(_settings(tmp, args.database_url), data, name)
        with tempfile.TemporaryDirectory() as tmp:
            served = through_the_server(_settings(tmp, args.database_url), data, name)
        print(
            f"| {label} | {rows:,} ({split['figures']:,} figures) | {len(data) / 1e6:.1f} | {split['preview_s']:.1f} | "
            f"{split['import_s']:.1f} | {served['first_s']:.1f} | {served['again_s']:.1f} | "
            f"{served['again_added']:,} | {served['health_worst_s']:.2f} ({served['health_polls']} polls) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
