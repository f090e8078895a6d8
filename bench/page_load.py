"""Benchmark: first page load of the web workspace on localhost, in headless Chromium.

Measures the navigation timing (DOMContentLoaded and load) of `/` for a signed-in user, cold
(new browser context, empty cache) and warm, over several runs.

Run: .venv/bin/python bench/page_load.py [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.kb.ingest import ingest
from assistant.services import Services
from assistant.settings import Settings
from testkit.net import free_port
from web.main import create_app

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-page-"))
    try:
        settings = Settings(var_dir=tmp)
        services = Services(settings)
        ingest(services.index, settings.knowledge_dir)
        app = create_app(settings, services=services)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        cold, warm = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True, args=ARGS
            )
            for _ in range(args.runs):
                context = browser.new_context()
                page = context.new_page()
                page.goto(services.accounts.signin_link("admin", base))  # signs in, then loads /
                page.wait_for_selector("#engine-badge:not(:empty)")
                for bucket in (cold, warm):
                    if bucket is warm:
                        page.reload()
                        page.wait_for_selector("#engine-badge:not(:empty)")
                    timing = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
                    nav = json.loads(timing)
                    bucket.append((nav["domContentLoadedEventEnd"], nav["loadEventEnd"]))
                context.close()
            browser.close()
        server.should_exit = True
        for name, runs in (("cold", cold), ("warm", warm)):
            dcl = [r[0] for r in runs]
            load = [r[1] for r in runs]
            print(
                f"{name}: DOMContentLoaded median {statistics.median(dcl):.0f} ms, load median {statistics.median(load):.0f} ms, max {max(load):.0f} ms (n={len(runs)})"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
