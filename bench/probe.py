"""Security and robustness probes against a running server on loopback (issue 13's findings).

Each probe sends what the outside probe sent and checks what must hold: a bad upload does not
stall `/api/health` and leaves nothing behind, limits count streamed bytes, no password comes
back, a same-site page cannot use the cookie, health is minimal for strangers, headers are set,
sign-ins are throttled, non-finite values are refused. Races need several accounts and are
covered by tests/test_robustness.py. Bounded: a few dozen requests, each with a timeout.

Run against a fresh server it starts itself:   .venv/bin/python bench/probe.py
or against one you started (admin token needed): .venv/bin/python bench/probe.py --url http://127.0.0.1:8000 --token …
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bomb(inner: str, size: int = 200 * 1024 * 1024) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(inner, b" " * size)
    return buf.getvalue()


def _worst_health(base: str, during: Callable[[], object]) -> tuple[float, object]:
    """The slowest /api/health answer while `during` runs, and what `during` returned."""
    worst, stop = 0.0, threading.Event()

    def poll() -> None:
        nonlocal worst
        with httpx.Client(timeout=30) as c:
            while not stop.is_set():
                t = time.perf_counter()
                c.get(f"{base}/api/health")
                worst = max(worst, time.perf_counter() - t)
                time.sleep(0.05)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        result = during()
    finally:
        stop.set()
        thread.join(30)
    return worst, result


def probes(base: str, token: str) -> list[tuple[str, bool, str]]:
    auth = {"Authorization": f"Bearer {token}"}
    out: list[tuple[str, bool, str]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        out.append((name, bool(ok), detail))

    with httpx.Client(base_url=base, timeout=60) as c:
        # 1. uploads: a decompression bomb and an oversized CSV, health watched meanwhile
        worst, res = _worst_health(
            base,
            lambda: c.post(
                "/api/kpis/validate",
                files={"file": ("bomb.xlsx", _bomb("xl/worksheets/sheet1.xml"))},
                headers=auth,
            ),
        )
        check(
            "xlsx bomb refused, health < 1 s",
            res.status_code == 422 and worst < 1,
            f"{res.status_code}, {worst:.2f}s",
        )
        before = c.get("/api/health", headers=auth).json().get("index_chunks")
        worst, res = _worst_health(
            base,
            lambda: c.post(
                "/api/knowledge/documents",
                files={"file": ("bomb.docx", _bomb("word/document.xml"))},
                headers=auth,
            ),
        )
        after = c.get("/api/health", headers=auth).json().get("index_chunks")
        check(
            "docx bomb leaves no chunk",
            res.status_code == 400 and before == after and worst < 1,
            f"{res.status_code}, chunks {before}→{after}",
        )
        rows = b"date,region,channel,metric,value\n" + b"2026-01-05,r,c,spend,1\n" * 600_000
        worst, res = _worst_health(
            base, lambda: c.post("/api/kpis/import", files={"facts": ("big.csv", rows)}, headers=auth)
        )
        check(
            "600k-row CSV refused, health < 1 s",
            res.status_code == 422 and worst < 1,
            f"{res.status_code}, {worst:.2f}s",
        )

        # 2. chunked body over the limit, without signing in; no echo of passwords
        def chunks():
            yield b'{"username": "admin", "password": "'
            for _ in range(30 * 16):
                yield b"p" * 65536
            yield b'"}'

        res = c.post("/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
        check("30 MB chunked login refused (413)", res.status_code == 413, str(res.status_code))
        res = c.post("/api/auth/login", json={"username": ["x"], "password": "hunter2-secret"})
        check("validation error does not echo the password", "hunter2" not in res.text, str(res.status_code))

        # 3. CSRF: a page on another port of the same host posting with the session cookie
        res = c.post(
            "/api/auth/logout",
            headers={"Origin": "http://127.0.0.1:1", "Cookie": "planner_session=any"},
        )
        check("cross-origin cookie POST refused (403)", res.status_code == 403, str(res.status_code))

        # 11. anonymous health
        anon = c.get("/api/health").json()
        minimal = set(anon) <= {"status", "ready", "checks"} and all(
            isinstance(v, bool) for v in anon.get("checks", {}).values()
        )
        check("anonymous health is minimal (no sizes, paths or versions)", minimal, json.dumps(anon))

        # 4. headers
        h = c.get("/").headers
        csp = h.get("content-security-policy", "")
        check(
            "CSP without inline script, nosniff, no framing",
            "script-src 'self'" in csp
            and h.get("x-content-type-options") == "nosniff"
            and "frame-ancestors 'none'" in csp,
            csp[:60],
        )

        # 7. throttled sign-ins
        codes = [
            c.post("/api/auth/login", json={"username": "probe-user", "password": f"x{i}"}).status_code
            for i in range(12)
        ]
        check("failed sign-ins throttled (429)", 429 in codes, ",".join(map(str, codes)))

        # 9. non-finite values
        res = c.post(
            "/api/kpis/validate",
            files={"file": ("inf.csv", b"date,region,channel,metric,value\n2026-01-05,r,c,spend,inf\n")},
            headers=auth,
        )
        check("inf refused with row and column", "row 2, column value" in res.text, str(res.status_code))
    return out


def _serve() -> tuple[str, str, Callable[[], None]]:
    """A fresh server on a free loopback port, with an admin token."""
    import tempfile

    import uvicorn

    from assistant.settings import Settings
    from testkit.accounts import token_for
    from testkit.net import free_port
    from web.main import create_app

    var = Path(tempfile.mkdtemp(prefix="planner-probe-"))
    app = create_app(Settings(var_dir=var, max_request_bytes=25 * 1024 * 1024))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True

    return f"http://127.0.0.1:{port}", token_for(app.state.services, "admin"), stop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url")
    ap.add_argument("--token")
    args = ap.parse_args()
    stop = None
    if args.url:
        base, token = args.url.rstrip("/"), args.token or ""
    else:
        base, token, stop = _serve()
    try:
        with ThreadPoolExecutor(1) as pool:
            results = pool.submit(probes, base, token).result(timeout=300)
    finally:
        if stop:
            stop()
    width = max(len(n) for n, _, _ in results)
    for name, ok, detail in results:
        print(f"{'held ' if ok else 'FAILED'}  {name.ljust(width)}  {detail}")
    sys.exit(0 if all(ok for _, ok, _ in results) else 1)


if __name__ == "__main__":
    main()
