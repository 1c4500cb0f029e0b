# Two commands on a fresh machine (see README):
#   make demo   - install, load the bundled ETO semiconductor chain and assess it
#   make test   - install everything the tests need and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The demo uses its own store inside the checkout unless CHOKEPOINT_DB is set.
export CHOKEPOINT_DB ?= $(CURDIR)/out/demo.db

.PHONY: demo test test-pg install install-test install-browser lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"

# Browser tests drive Debian's Chromium (never a downloaded browser); CJK fonts render Chinese pages.
install-browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk; \
	  else echo "chromium missing and not root: browser tests will be skipped"; fi; }

demo: install
	@mkdir -p out
	$(BIN)/chokepoint demo

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: install-test
	$(BIN)/mypy

test: install-test install-browser lint typecheck
	$(BIN)/python -m pytest -n 2 -q

# The whole suite again with every store on PostgreSQL (CHOKEPOINT_TEST_PG names the server).
test-pg: install-test install-browser
	$(BIN)/python -m pytest -n 2 -q --store-backend postgresql

bench: install-test
	$(BIN)/python benchmarks/bench_assess.py
	$(BIN)/python benchmarks/bench_scenario.py
	$(BIN)/python benchmarks/bench_rules.py
	$(BIN)/python benchmarks/bench_api.py
	$(BIN)/python benchmarks/bench_montecarlo.py --runs 500
	$(BIN)/python benchmarks/bench_io.py
	$(BIN)/python benchmarks/bench_trade.py
	$(BIN)/python benchmarks/eval_matching.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .mypy_cache .ruff_cache
