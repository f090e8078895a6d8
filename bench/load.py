"""Load benchmark: N concurrent chat sessions streaming over SSE through the real server, against
a fake OpenAI-compatible LLM on loopback that streams at a set token rate.

Reports throughput, time-to-first-token overhead (our server's first token minus the fake LLM's,
which sends its first token at once), errors, lost messages (turns whose stored answer differs
from what was streamed) and the server's peak memory. Bounded: every request has a timeout and
the run stops after --max-seconds.

Two modes:
- burst (the default): every session sends one turn at once;
- arrival rate (`--arrival-rate 5,10,20`): the sessions send turns in their own conversations as a
  Poisson process at each total rate in turn (turns per second), for `--duration` seconds each; a
  session whose previous turn is still streaming waits for it, as a person would. Per rate: TTFT
  overhead p50/p99, errors, lost messages; and the highest rate that held p99 ≤ `--p99-ms`.

Run: .venv/bin/python bench/load.py [--sessions 200] [--workers 1] [--tokens 40] [--rate 50]
     .venv/bin/python bench/load.py --sessions 200 --workers 2 --arrival-rate 5,10,20 --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.kb.ingest import ingest
from assistant.services import Services
from assistant.settings import Settings
from testkit.accounts import token_for


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pids(pid: int) -> list[int]:
    """A process and its children (uvicorn's workers)."""
    try:
        return [pid, *(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    except OSError:
        return [pid]


def _rss_mb(pid: int) -> float:
    """RSS of a process and its children, in MB."""
    total = 0
    for p in _pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children (uvicorn's workers)."""
    total = 0
    for p in _pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


async def _wait(url: str, seconds: float = 90, ready_in_a_row: int = 1) -> None:
    """Until `url` answers, and (the server's health) says it is ready that many times in a row:
    each worker warms up after it starts, and the figures are for warm workers."""
    deadline = time.monotonic() + seconds
    streak = 0
    async with httpx.AsyncClient() as c:
        while time.monotonic() < deadline:
            try:
                res = await c.get(url, timeout=1)
                ready = res.status_code < 500 and (res.status_code != 200 or res.json().get("ready", True))
                streak = streak + 1 if ready else 0
                if streak >= ready_in_a_row:
                    return
            except (httpx.HTTPError, ValueError):
                streak = 0
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def _session(
    client: httpx.AsyncClient, base: str, headers: dict, i: int, conversation: str | None = None
) -> dict:
    t0 = time.perf_counter()
    first = None
    text, done = "", None
    body = {"message": f"预算问题 {i}", "conversation_id": conversation}
    try:
        async with client.stream("POST", f"{base}/api/chat", json=body, headers=headers, timeout=120) as res:
            if res.status_code != 200:
                return {"error": f"HTTP {res.status_code}"}
            event = None
            async for line in res.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data = json.loads(line[5:])
                    if event == "token":
                        first = first or time.perf_counter()
                        text += data["text"]
                    elif event == "done":
                        done = data
                    elif event == "error":
                        return {"error": data["message"]}
    except httpx.HTTPError as e:
        return {"error": type(e).__name__}
    if done is None or first is None:
        return {"error": "stream ended without done"}
    return {
        "ttft": first - t0,
        "total": time.perf_counter() - t0,
        "text": text,
        "cid": done["conversation_id"],
    }


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] * 1000


async def _arrivals(client: httpx.AsyncClient, base: str, headers: dict, args: argparse.Namespace) -> int:
    """Poisson arrivals over `args.sessions` conversations at each rate; checks every stored
    conversation against what was streamed."""
    rng = random.Random(7)
    conversations: dict[int, str] = {}
    streamed: dict[str, list[str]] = {}
    locks = [asyncio.Lock() for _ in range(args.sessions)]
    held: list[float] = []

    async def turn(session: int, n: int, out: list[dict]) -> None:
        async with locks[session]:  # one turn at a time in a conversation, as a person types
            r = await _session(client, base, headers, n, conversations.get(session))
        out.append(r)
        if "cid" in r:
            conversations[session] = r["cid"]
            streamed.setdefault(r["cid"], []).append(r["text"])

    for rate in [float(r) for r in args.arrival_rate.split(",")]:
        results: list[dict] = []
        tasks = []
        t0 = time.perf_counter()
        n = 0
        while (elapsed := time.perf_counter() - t0) < args.duration:
            await asyncio.sleep(rng.expovariate(rate))
            tasks.append(asyncio.create_task(turn(rng.randrange(args.sessions), n, results)))
            n += 1
        await asyncio.wait_for(asyncio.gather(*tasks), args.max_seconds)
        ok = [r["ttft"] for r in results if "ttft" in r]
        errors = [r["error"] for r in results if "error" in r]
        p99 = _percentile(ok, 0.99) if ok else float("inf")
        if p99 <= args.p99_ms and not errors:
            held.append(rate)
        print(
            f"rate {rate:g}/s for {elapsed:.0f} s: {len(results)} turns, errors {len(errors)}"
            f"{' ' + str(sorted(set(errors))[:3]) if errors else ''}; TTFT overhead p50 "
            f"{_percentile(ok, 0.5):.0f} ms, p99 {p99:.0f} ms"
        )
    lost = 0
    for cid, texts in streamed.items():
        msgs = (await client.get(f"{base}/api/conversations/{cid}", headers=headers, timeout=30)).json()[
            "messages"
        ]
        answers = [m["content"] for m in msgs if m["role"] == "assistant"]
        lost += sum(a != b for a, b in zip(answers, texts, strict=False)) + abs(len(answers) - len(texts))
    print(f"conversations {len(streamed)}, lost messages {lost}")
    print(f"highest rate with p99 ≤ {args.p99_ms:g} ms and no errors: {max(held) if held else 'none'}")
    return sum(len(t) for t in streamed.values())


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    llm_port, port = _port(), _port()
    env = {
        **os.environ,
        "PLANNER_VAR_DIR": str(tmp),
        "PLANNER_LLM_BASE_URL": f"http://127.0.0.1:{llm_port}/v1",
        "PLANNER_LLM_API_KEY": "sk-bench",
        "PLANNER_LLM_MODEL": "fake",
        "PLANNER_RATE_LIMIT_CHAT": "1000000/minute",
    }
    settings = Settings(var_dir=tmp)
    services = Services(settings)
    ingest(services.index, settings.knowledge_dir)
    services.kpis  # noqa: B018
    services.accounts.ensure_first_admin()
    headers = {"Authorization": f"Bearer {token_for(services, 'admin')}"}
    llm = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "fake_llm.py"),
            "--port",
            str(llm_port),
            "--tokens",
            str(args.tokens),
            "--rate",
            str(args.rate),
        ]
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _rss_mb(server.pid))
            time.sleep(0.2)

    try:
        await _wait(f"http://127.0.0.1:{port}/api/health", ready_in_a_row=4 * args.workers)
        await _wait(f"http://127.0.0.1:{llm_port}/v1/chat/completions")
        threading.Thread(target=sample, daemon=True).start()
        idle = _rss_mb(server.pid)
        cpu0 = _cpu_s(server.pid)
        base = f"http://127.0.0.1:{port}"
        limits = httpx.Limits(
            max_connections=args.sessions + 10, max_keepalive_connections=args.sessions + 10
        )
        async with httpx.AsyncClient(limits=limits) as client:
            if args.arrival_rate:
                print(
                    f"sessions {args.sessions}, workers {args.workers}, fake LLM {args.tokens} tokens at {args.rate:g}/s"
                )
                turns = await _arrivals(client, base, headers, args)
                stop.set()
                cpu = _cpu_s(server.pid) - cpu0
                print(
                    f"server CPU {cpu:.1f} s for {turns} turns: {cpu / max(turns, 1) * 1000:.1f} ms a turn (checks included)"
                )
                print(f"server memory: idle {idle:.0f} MB, peak {peak:.0f} MB")
                return
            t0 = time.perf_counter()
            results = await asyncio.wait_for(
                asyncio.gather(*[_session(client, base, headers, i) for i in range(args.sessions)]),
                args.max_seconds,
            )
            wall = time.perf_counter() - t0
            cpu = _cpu_s(server.pid) - cpu0
            ok = [r for r in results if "ttft" in r]
            errors = [r["error"] for r in results if "error" in r]
            lost = 0
            for r in ok:
                conv = (
                    await client.get(f"{base}/api/conversations/{r['cid']}", headers=headers, timeout=30)
                ).json()
                msgs = conv.get("messages", [])
                if len(msgs) != 2 or msgs[1]["content"] != r["text"]:
                    lost += 1
        stop.set()
        ttft = sorted(r["ttft"] for r in ok)
        p = lambda q: ttft[min(len(ttft) - 1, round(q * (len(ttft) - 1)))] * 1000  # noqa: E731
        expected_stream = args.tokens / args.rate
        print(
            f"sessions {args.sessions}, workers {args.workers}, fake LLM {args.tokens} tokens at {args.rate:g}/s ({expected_stream:.1f} s per answer)"
        )
        print(
            f"completed {len(ok)}, errors {len(errors)}{' ' + str(sorted(set(errors))[:3]) if errors else ''}, lost messages {lost}"
        )
        print(
            f"wall {wall:.1f} s, throughput {len(ok) / wall:.1f} chats/s, {len(ok) * args.tokens / wall:,.0f} tokens/s"
        )
        if ttft:
            print(
                f"TTFT overhead p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms (fake LLM sends its first token at once)"
            )
            print(f"turn time median {statistics.median(r['total'] for r in ok):.2f} s")
        print(f"server CPU {cpu:.1f} s: {cpu / max(len(ok), 1) * 1000:.1f} ms a turn")
        print(f"server memory: idle {idle:.0f} MB, peak {peak:.0f} MB")
    finally:
        stop.set()
        server.terminate()
        llm.terminate()
        server.wait(20)
        llm.wait(20)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--tokens", type=int, default=40)
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--max-seconds", type=float, default=300.0)
    ap.add_argument("--arrival-rate", default="", help="comma-separated total turn rates (turns/s)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of arrivals per rate")
    ap.add_argument("--p99-ms", type=float, default=250.0)
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
