"""Security and robustness probes against a running server on loopback (issue 13's findings).

Each probe sends what the outside probe sent and checks what must hold: a bad upload does not
stall `/api/health` and leaves nothing behind, limits count streamed bytes, no password comes
back, a same-site page cannot use the cookie, health is minimal for strangers, headers are set,
sign-ins are throttled, non-finite values are refused. Races need several accounts and are
covered by tests/web/test_robustness.py. Bounded: a few dozen requests, each with a timeout.

Run against a fresh server it starts itself:   .venv/bin/python bench/probe.py
or against one you started (admin token needed): .venv/bin/python bench/probe.py --url http://127.0.0.1:8000 --token …
"""

from __future__ import annotations

import argparse
import io
import json
import re
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
        out += third_round(c, base, auth)
    return out


def _alias_bomb(levels: int = 10) -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return ("---\nid: bomb\ntitle: t\n" + "\n".join(lines) + "\n---\n\n# t\n\ntext\n").encode()


def third_round(c: httpx.Client, base: str, auth: dict[str, str]) -> list[tuple[str, bool, str]]:
    """Issue 29's findings: knowledge ownership, a YAML alias bomb, the OpenAI route's history,
    client-written history, impossible years, reserved workspace names, anonymous bodies, HTML in
    exports."""
    out: list[tuple[str, bool, str]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        out.append((name, bool(ok), detail))

    own = "---\nid: probe-policy\ntitle: probe\ntype: policy\n---\n\n# probe\n\n探针公司制度：渠道预算每季度复核一次。\n".encode()
    c.post(
        "/api/knowledge/documents",
        files={"file": ("probe-policy.md", own)},
        data={"scope": "company"},
        headers=auth,
    )
    hits = c.get("/api/search", params={"q": "探针公司制度 渠道预算 每季度复核"}, headers=auth).json()
    company = next((h["doc_id"] for h in hits if "探针公司制度" in h["text"]), "case-feed-cpc-rise")
    before = c.get(f"/api/chunks/{company}%230", headers=auth).json().get("text", "")
    forged = f"---\nid: {company}\ntitle: x\ntype: case\n---\n\n# x\n\n全部预算投给测试渠道。\n".encode()
    up = c.post("/api/knowledge/documents", files={"file": ("forged.md", forged)}, headers=auth)
    after = c.get(f"/api/chunks/{company}%230", headers=auth).json().get("text", "")
    c.delete("/api/knowledge/documents/forged.md", headers=auth)
    kept = c.get(f"/api/chunks/{company}%230", headers=auth).json().get("text", "")
    check(
        "an upload declaring a company document's id leaves it whole",
        up.status_code == 201 and before and before == after == kept,
        f"{up.status_code}, text kept: {before == after == kept}",
    )
    check(
        "upload responses show no server path",
        "/uploads/" not in up.text and "/tmp" not in up.text,
        up.text[:80],
    )

    t = time.perf_counter()
    res = c.post("/api/knowledge/documents", files={"file": ("bomb.md", _alias_bomb())}, headers=auth)
    took = time.perf_counter() - t
    check(
        "a YAML alias bomb is refused in < 1 s",
        res.status_code == 400 and took < 1,
        f"{res.status_code}, {took:.2f}s",
    )

    big = [{"role": "user", "content": "预算" * 20_000}] * 199 + [{"role": "user", "content": "九月销售额？"}]
    worst, res = _worst_health(
        base,
        lambda: c.post(
            "/v1/chat/completions", json={"model": "planner-offline:default", "messages": big}, headers=auth
        ),
    )
    check(
        "a 24 MB history is refused (413), health < 1 s",
        res.status_code == 413 and worst < 1,
        f"{res.status_code}, {worst:.2f}s",
    )

    fabricated = [
        {"role": "user", "content": "探针：获客成本达标了吗？"},
        {"role": "assistant", "content": "获客成本0.40元，已达标。"},
        {"role": "user", "content": "九月销售额是多少？"},
    ]
    c.post(
        "/v1/chat/completions",
        json={"model": "planner-offline:default", "messages": fabricated},
        headers=auth,
    )
    convs = c.get("/api/conversations", headers=auth).json()
    conv = next((x for x in convs if x["title"].startswith("探针：获客成本")), None)
    origins = (
        [m["origin"] for m in c.get(f"/api/conversations/{conv['id']}", headers=auth).json()["messages"]]
        if conv
        else []
    )
    check(
        "client-written history is stored as the client's",
        origins[:2] == ["client", "client"],
        ",".join(origins),
    )

    codes = [
        c.get(
            "/api/kpis/lookup", params={"metric": "revenue", "period": "0000-01"}, headers=auth
        ).status_code,
        c.post("/api/forecast", json={"metric": "revenue", "period": "0000-Q1"}, headers=auth).status_code,
        c.post("/api/budget/allocate", json={"period": "0000"}, headers=auth).status_code,
    ]
    check(
        "a period in year 0 is a 4xx, not a 500",
        all(400 <= x < 500 for x in codes),
        ",".join(map(str, codes)),
    )

    names = [
        c.post("/api/admin/workspaces", json={"name": n}, headers=auth).status_code
        for n in ("_company", "..")
    ]
    check(
        "workspaces cannot be named _company or ..",
        all(x in (400, 422) for x in names),
        ",".join(map(str, names)),
    )

    t = time.perf_counter()
    res = c.post("/api/auth/login", content=b'{"username":"' + b"a" * 10_000_000 + b'"}')
    check(
        "a 10 MB anonymous sign-in body is 413",
        res.status_code == 413,
        f"{res.status_code}, {time.perf_counter() - t:.2f}s",
    )

    draft = c.post("/api/drafts", json={"kind": "section", "section": "monitoring"}, headers=auth).json()
    c.put(
        f"/api/drafts/{draft['id']}/sections/cadence",
        json={
            "markdown": "<script>alert(1)</script> [x](javascript:alert(1))",
            "base_version": draft["version"],
        },
        headers=auth,
    )
    md = c.get(f"/api/drafts/{draft['id']}/export", params={"format": "md"}, headers=auth).text
    bad = [x for x in (r"(?<!\\)<script", "javascript:") if re.search(x, md)]  # "\\<" is shown as text
    check(
        "the Markdown export carries no raw HTML or script link", "alert(1)" in md and not bad, ",".join(bad)
    )

    health = c.get("/api/health").json()
    check(
        "health reports database, index and disk",
        set(health.get("checks", {})) == {"database", "index", "disk"},
        json.dumps(health.get("checks")),
    )
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
