"""Benchmark: retrieval latency and memory at 1k, 10k and 100k chunks, and ingestion throughput.

The corpus is the shipped knowledge base's chunks duplicated with perturbation (sentences
shuffled, a variant tag added) until it reaches the size. Query latency covers the whole search:
query expansion, embedding, dense (Chroma HNSW), BM25 and fusion, over the retrieval eval queries.

Memory is reported twice: what building and searching added in this process, and what a fresh
process (a server worker) adds by opening the built index and running the queries.

Run: .venv/bin/python bench/retrieval.py [--sizes 1000 10000 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.factory import build_embedder
from assistant.kb.documents import chunk_document
from assistant.kb.index import KnowledgeIndex
from assistant.kb.ingest import knowledge_files, parse_all
from assistant.settings import Settings
from evals.retrieval import load_queries


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def corpus(size: int, settings: Settings):
    base = [
        c
        for d in parse_all(knowledge_files(settings.knowledge_dir), settings.knowledge_dir)
        for c in chunk_document(d, max_tokens=settings.chunk_tokens)
    ]
    rng = random.Random(7)
    out = []
    for i in range(size):
        c = base[i % len(base)]
        if i >= len(base):
            sentences = re.split(r"(?<=[。；])", c.text)
            rng.shuffle(sentences)
            c = c.model_copy(
                update={
                    "chunk_id": f"{c.chunk_id}~{i}",
                    "text": "".join(sentences) + f" 变体{i % 97}",
                    "doc_id": f"{c.doc_id}~{i // len(base)}",
                }
            )
        out.append(c)
    return out


def run(size: int, keep: Path | None = None) -> str:
    tmp = keep or Path(tempfile.mkdtemp(prefix="bench-retrieval-"))
    try:
        settings = Settings(var_dir=tmp, collection=f"bench{size}")
        index = KnowledgeIndex(settings, build_embedder(settings))
        chunks = corpus(size, settings)
        before = rss_mb()
        t = time.perf_counter()
        index.upsert(chunks, batch=1000)
        index.rebuild_lexical()
        ingest_s = time.perf_counter() - t
        queries = [q["query"] for q in load_queries()]
        index.search(queries[0])  # load and warm
        lat = []
        for q in queries * 2:
            t = time.perf_counter()
            index.search(q, k=5)
            lat.append((time.perf_counter() - t) * 1000)
        lat.sort()
        p95 = lat[round(0.95 * (len(lat) - 1))]
        reopened = subprocess.run(
            [sys.executable, __file__, "--reopen", str(tmp), str(size)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return (
            f"{size:>7} chunks: search median {statistics.median(lat):.1f} ms, p95 {p95:.1f} ms (n={len(lat)}); "
            f"ingestion {size / ingest_s:,.0f} chunks/s ({ingest_s:.1f} s); RSS +{rss_mb() - before:,.0f} MB, "
            f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB; "
            f"a fresh process opening it: +{reopened} MB"
        )
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def reopen(var: Path, size: int) -> float:
    """RSS a fresh process adds by opening the index built in `var` and running the eval queries."""
    settings = Settings(var_dir=var, collection=f"bench{size}")
    before = rss_mb()
    index = KnowledgeIndex(settings, build_embedder(settings))
    for q in load_queries():
        index.search(q["query"], k=5)
    return rss_mb() - before


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument(
        "--keep", type=Path, help="build into this folder and keep it (to re-measure with --reopen)"
    )
    ap.add_argument("--reopen", nargs=2, metavar=("VAR", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.reopen:
        print(f"{reopen(Path(args.reopen[0]), int(args.reopen[1])):,.0f}")
        return
    for size in args.sizes:
        print(run(size, args.keep / str(size) if args.keep else None), flush=True)


if __name__ == "__main__":
    main()
