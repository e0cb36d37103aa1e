# GPC reference codec: every task the README mentions. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NEURAL := $(VENV)/.installed-neural

LIBGPC_PKGS := zlib libbrotlidec libwebp dav1d
# Debian 12 packages: libgpc's build, clang with libFuzzer, Chromium for the page tests,
# GNU parallel for the --shard recipe test, Ghostscript's ICC profiles (libgs-common) for
# the CMYK-with-profile ingestion test.
SYSTEM_PKGS := build-essential pkg-config zlib1g-dev libbrotli-dev libwebp-dev libdav1d-dev \
	clang libclang-rt-14-dev chromium parallel libgs-common
CMYK_ICC := /usr/share/color/icc/ghostscript/default_cmyk.icc

.PHONY: help setup system-deps libgpc demo test check fuzz-ci bench kaitai clean

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

system-deps:  ## install the Debian packages above (as root; otherwise say what is missing)
	@if pkg-config --exists $(LIBGPC_PKGS) 2>/dev/null && command -v clang >/dev/null \
	    && command -v chromium >/dev/null && command -v parallel >/dev/null \
	    && [ -f $(CMYK_ICC) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $(SYSTEM_PKGS) >/dev/null; \
	else echo "make: for libgpc and the page tests install: $(SYSTEM_PKGS)"; fi

libgpc:  ## build libgpc (the C reader, gpcc) when its libraries are installed
	@if pkg-config --exists $(LIBGPC_PKGS) 2>/dev/null; then $(MAKE) -s -C libgpc; \
	else echo "make: libgpc not built (pkg-config finds no $(LIBGPC_PKGS)): pure Python"; fi

test: $(NEURAL) system-deps libgpc  ## the whole test suite: system packages, .venv, libgpc, pytest
	@if [ -x libgpc/build/gpcc ]; then $(MAKE) -s -C libgpc test; fi
	$(BIN)/python -m pytest

fuzz-ci: $(NEURAL) system-deps  ## bounded coverage-guided fuzzing: atheris (Python), libFuzzer (C)
	$(BIN)/python -m fuzz ci
	@if command -v clang >/dev/null && pkg-config --exists $(LIBGPC_PKGS); then \
	  $(MAKE) -s -C libgpc fuzz-ci; else echo "make: libFuzzer harnesses need clang"; fi

check: $(NEURAL)  ## lint and type-check
	$(BIN)/ruff check refcodec tests benchmarks conformance tools fuzz
	$(BIN)/mypy

bench: $(STAMP)  ## benchmarks, printed as ratios against baselines measured in the same run
	$(BIN)/python -m benchmarks.run

kaitai:  ## regenerate conformance/kaitai/generated/gpc.py from spec/gpc.ksy (needs Node.js 18+)
	cd conformance/kaitai && npm ci --no-audit --no-fund && node compile.mjs

clean:  ## remove the virtual environment and outputs
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		conformance/kaitai/node_modules
	$(MAKE) -s -C libgpc clean
