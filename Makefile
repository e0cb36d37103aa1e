# GPC reference codec: every task the README mentions. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup demo test check bench kaitai clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,openai]'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the package with its test tools

demo: $(STAMP)  ## the main job on the bundled samples (no API key, no network)
	$(BIN)/gpc demo -o demo-out

test: $(STAMP)  ## the whole test suite
	$(BIN)/python -m pytest

check: $(STAMP)  ## lint and type-check
	$(BIN)/ruff check refcodec tests benchmarks conformance tools
	$(BIN)/mypy

bench: $(STAMP)  ## benchmarks, printed as ratios against baselines measured in the same run
	$(BIN)/python benchmarks/run.py

kaitai:  ## regenerate conformance/kaitai/generated/gpc.py from spec/gpc.ksy (needs Node.js 18+)
	cd conformance/kaitai && npm ci --no-audit --no-fund && node compile.mjs

clean:  ## remove the virtual environment and outputs
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		conformance/kaitai/node_modules
