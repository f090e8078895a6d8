# Two commands: `make run` (set up and start the web UI) and `make test` (set up and run everything).
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint contract bench clean browser

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: install
	$(VENV)/bin/planner ingest
	$(VENV)/bin/planner serve

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy tools --strict
	$(VENV)/bin/mypy assistant web

# Browser tests use Debian's chromium (never a downloaded browser) and CJK fonts.
browser:
	@{ test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -q "CJK"; } || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	  || echo "chromium is not installed: the browser tests will be skipped"; }

# Two stages: the suite in parallel (pytest-xdist, one worker per core), then the tests that are
# bounded by wall-clock time or run their own servers or a browser, alone (`-m serial`).
test: install lint browser
	$(VENV)/bin/pytest -q -n auto --dist loadfile -m "not serial"
	$(VENV)/bin/pytest -q -m serial
	$(VENV)/bin/planner eval

contract: install
	$(PY) ../shared/contract/check.py

bench: install
	$(PY) bench/chat_turn.py

clean:
	rm -rf $(VENV) var
