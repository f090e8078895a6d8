"""The `planner` command as a user's shell runs it: a separate process, its output and exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from assistant.settings import ROOT


def _planner(var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLANNER_VAR_DIR": str(var)}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_command_ends_with_all_its_output_written(indexed_var: Path) -> None:
    done = _planner(indexed_var, "search", "预算分配原则", "--json", "-k", "40")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) > 10  # several kilobytes, all flushed before the process ends


def test_a_command_that_fails_keeps_its_exit_status_and_message(indexed_var: Path) -> None:
    done = _planner(indexed_var, "kpi", "lookup", "--metric", "nope")
    assert done.returncode == 2
    assert "unknown metric 'nope'" in done.stderr


def test_the_calendar_lists_the_lunar_new_year_and_refuses_a_backward_campaign(indexed_var: Path) -> None:
    done = _planner(indexed_var, "workspace", "calendar", "--json")
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout)["events"]
    assert {"name": "春节", "day": "2027-02-06", "week": "2027-02-01", "own": False} in events
    bad = _planner(indexed_var, "workspace", "calendar", "--add", "品牌日,2026-08-09,2026-08-07")
    assert bad.returncode == 2
    assert "the end (2026-08-07) is before the start (2026-08-09)" in bad.stderr
