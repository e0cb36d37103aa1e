# GPC reference codec: every task the README mentions. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NEURAL := $(VENV)/.installed-neural

.PHONY: help setup demo test check bench kaitai clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,openai]'
	touch $(STAMP)

# The neural extra (torch, compressai) is large; only the tests and the MS-ILLM codec need it.
$(NEURAL): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,openai,neural,eval]'
	touch $(NEURAL)

setup: $(STAMP)  ## create .venv and install the package with its test tools

demo: $(STAMP)  ## the main job on the bundled samples (no API key, no network)
	$(BIN)/gpc demo -o demo-out

test: $(NEURAL)  ## the whole test suite (installs the neural extra too)
	$(BIN)/python -m pytest

check: $(NEURAL)  ## lint and type-check
	$(BIN)/ruff check refcodec tests benchmarks conformance tools
	$(BIN)/mypy

bench: $(STAMP)  ## benchmarks, printed as ratios against baselines measured in the same run
	$(BIN)/python benchmarks/run.py

kaitai:  ## regenerate conformance/kaitai/generated/gpc.py from spec/gpc.ksy (needs Node.js 18+)
	cd conformance/kaitai && npm ci --no-audit --no-fund && node compile.mjs

clean:  ## remove the virtual environment and outputs
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		conformance/kaitai/node_modules
