# ShelfAudit: one command runs it, one command tests it.
#   make run    set up .venv, audit the sample photos, then serve the API (embedded defaults)
#   make test   set up (with the training extra) if needed, then ruff, mypy and pytest
#               (what CI runs: .ci/run)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
# Written after a successful install; pyproject.toml newer than it means install again.
STAMP := $(VENV)/.shelfaudit-installed
# The same for the training extra (torch, ultralytics: ~6 GB, ~1.5-2.5 min from local wheels).
# Only the tests need it (they train tiny models end to end); run, serve and audit stay
# service-only.
TRAINING_STAMP := $(VENV)/.shelfaudit-training-installed
# In a variable: a literal comma would split the arguments of $(call timed,...).
TRAINING_EXTRAS := dev,training
SHARED ?= ../shared
SAMPLES ?= $(SHARED)/datasets/sku110k_shelves/originals

# Runs a command and prints how long it took: $(call timed,label,command).
timed = start=$$(date +%s%N); $(2); echo "== $(1): $$(( ($$(date +%s%N) - start) / 1000000 )) ms"

.PHONY: help setup setup-training run serve audit test lint typecheck pytest readme clean

help:
	@echo "make run    set up, audit the sample photos, then serve on http://127.0.0.1:8000"
	@echo "make serve  set up, then serve the API (docs at /docs)"
	@echo "make audit  set up, then audit the sample photos in $(SAMPLES)"
	@echo "make test   set up with the training extra (torch), then ruff, mypy and pytest"
	@echo "make readme regenerate the README's configuration table from Settings"
	@echo "make clean  remove .venv and caches"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "== creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@$(call timed,install,$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]')
	@touch $@

setup-training: $(TRAINING_STAMP)

$(TRAINING_STAMP): $(STAMP)
	@$(call timed,install training extra,$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[$(TRAINING_EXTRAS)]')
	@touch $@

run: audit serve

serve: setup
	$(BIN)/shelfaudit serve

audit: setup
	$(BIN)/shelfaudit audit $(SAMPLES)

test: setup-training
	@$(call timed,ruff,$(BIN)/ruff check .)
	@$(call timed,mypy,$(BIN)/mypy)
	@$(call timed,pytest,$(BIN)/pytest)

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

pytest: setup-training
	$(BIN)/pytest

readme: setup
	$(BIN)/python -m tests.deploy.config_table

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build service/*.egg-info
