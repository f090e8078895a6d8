"""The planning assistant: agent wiring, engines, retrieval and persistence."""

import sys

# httpx imports its command-line tool, and with it rich, pygments and click (6 MB and 40 ms in
# every process: each server worker, each CLI call), whenever those are installed; nothing here
# runs httpx's CLI, so its import is declined and httpx falls back to a stub.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
