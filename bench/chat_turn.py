"""Benchmark: one chat turn's overhead without the LLM, and the server's cold start.

- offline engine: the whole turn (rules, tools, templates, storage), which is all overhead;
- zero-latency mocked LLM: ChatOpenAI against respx answering instantly with a tool call and then
  an answer, so what is measured is our agent loop, tools, streaming and storage;
- streamed answer CPU: the same fake LLM answering in 1 and in 400 chunks, in-process, split into
  a fixed and a per-token part (`bench/load.py` measures the same on a live server);
- cold start: from spawning `planner serve` to the first 200 from /api/health, and to the first
  that says it is ready (warmed up: until then other requests wait); and the worker's resident
  memory then, idle (one worker: `planner serve` runs the app in its own process);
- cold CLI calls (`planner --help`, `planner search`, `planner ask` on the offline engine), each
  the median of five fresh processes, also as a ratio to `python -c "import pandas"` timed in
  the same run (so a slower machine does not read as a regression).

Run: .venv/bin/python bench/chat_turn.py [--turns 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import respx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.chat import ChatService
from assistant.kb.ingest import ingest
from assistant.services import Services
from assistant.settings import Settings
from testkit.llm_fakes import BASE_URL, stream_text, stream_tool_call


def _stats(samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return f"median {statistics.median(s) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (n={len(s)})"


async def _turns(chat: ChatService, questions: list[str], n: int) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        result = await chat.ask(questions[i % len(questions)])
        out.append(time.perf_counter() - t)
        assert result.error is None, result.error
    return out


def bench_offline(var: Path, n: int) -> str:
    services = Services(Settings(var_dir=var))
    chat = ChatService(services, workspace="default")
    questions = [
        "预算分配应该遵循哪些原则？",
        "为什么2026年Q3获客成本超标？",
        "What should lower-tier markets focus on?",
    ]
    asyncio.run(_turns(chat, questions, 3))  # warm caches
    return _stats(asyncio.run(_turns(chat, questions, n)))


def bench_mocked_llm(var: Path, n: int) -> str:
    settings = Settings(var_dir=var, llm_base_url=BASE_URL, llm_model="fake-model", llm_max_retries=0)
    chat = ChatService(Services(settings), workspace="default")
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions")

        def replies():
            while True:
                yield stream_tool_call("search_knowledge", {"query": "预算分配原则", "k": 5})
                yield stream_text("预算按 40/30/30 分配 [1]。")

        route.mock(side_effect=replies())
        asyncio.run(_turns(chat, ["预算怎么分？"], 3))
        return _stats(asyncio.run(_turns(chat, ["预算怎么分？"], n)))


def bench_stream_cpu(var: Path, n: int) -> str:
    """CPU a streamed answer costs in this process (the agent loop, the client, our events; no
    HTTP server): answers of 1 and of 400 chunks, so the fixed and the per-token parts separate."""
    settings = Settings(var_dir=var, llm_base_url=BASE_URL, llm_model="fake-model", llm_max_retries=0)
    chat = ChatService(Services(settings), workspace="default")

    async def turns(k: int) -> None:
        for _ in range(k):
            async for _ev in chat.stream("预算怎么分？"):
                pass

    cpu = {}
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions")
        for chunks in (1, 400):
            route.mock(side_effect=lambda _r, c=chunks: stream_text("预算" * c, pieces=c))
            asyncio.run(turns(3))  # warm
            t = time.process_time()
            asyncio.run(turns(n))
            cpu[chunks] = (time.process_time() - t) / n * 1000
    per_token = (cpu[400] - cpu[1]) / 399
    return f"{cpu[1] - per_token:.1f} ms a turn + {per_token:.3f} ms a token (n={n} each)"


def _wall(argv: list[str], env: dict[str, str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_cli(var: Path) -> list[str]:
    env = {**os.environ, "PLANNER_VAR_DIR": str(var)}
    planner = [sys.executable, "-m", "assistant"]
    pandas = _wall([sys.executable, "-c", "import pandas"], env)
    out = [f"python -c 'import pandas':  {pandas:.2f} s (the unit below)"]
    for label, argv in (
        ("planner --help", [*planner, "--help"]),
        ("planner search", [*planner, "search", "预算分配原则"]),
        ("planner ask (offline)", [*planner, "ask", "预算分配应该遵循哪些原则？"]),
    ):
        t = _wall(argv, env)
        out.append(f"{label + ':':<27} {t:.2f} s ({t / pandas:.1f}× pandas)")
    return out


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_cold_start(var: Path) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PLANNER_VAR_DIR": str(var)}
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    live = None
    try:
        while time.perf_counter() - t < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
                    ready = json.loads(r.read()).get("ready", True)
                live = live or time.perf_counter() - t
                if ready:
                    took = time.perf_counter() - t
                    time.sleep(1)  # idle: what the worker holds between requests
                    return (
                        f"{live:.2f} s to the first healthy response, {took:.2f} s to ready; "
                        f"worker RSS when ready and idle {_rss_mb(proc.pid):.0f} MB"
                    )
            except OSError:
                pass
            time.sleep(0.02)
        return "did not start within 60 s"
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=40)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        settings = Settings(var_dir=tmp)
        services = Services(settings)
        ingest(services.index, settings.knowledge_dir)
        services.kpis  # noqa: B018 - load demo data
        print(f"offline engine turn:        {bench_offline(tmp, args.turns)}")
        print(f"zero-latency mocked LLM:    {bench_mocked_llm(tmp, args.turns)}")
        print(f"streamed answer CPU:        {bench_stream_cpu(tmp, args.turns)}")
        print(f"server cold start:          {bench_cold_start(tmp)}")
        for line in bench_cli(tmp):
            print(line)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
