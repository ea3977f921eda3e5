# Two entry points for a fresh machine with Python 3.11+: `make demo` and `make test`.
# Each creates .venv on first use and installs the pinned package with what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: demo test lint bench clean chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark,s3]'
	rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/migstats demo --out demo-output

# Browser tests drive Debian's Chromium (never a downloaded browser): install it if absent.
test: $(STAMP) chromium
	$(BIN)/python -m pytest -n 2 -q

chromium:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y -q chromium >/dev/null 2>&1 \
	  || sudo -n apt-get install -y -q chromium >/dev/null 2>&1 \
	  || echo "Chromium could not be installed: the browser tests will be skipped"

lint: $(STAMP)
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_synth.py --scale 1.0

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
